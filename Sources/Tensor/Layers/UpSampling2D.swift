/// Keras `UpSampling2D(size=(fh, fw))`: an `(N, H, W, C)` input to `(N, H·fh, W·fw, C)`, computed as Keras 3's
/// TensorFlow backend does (docs/keras-numerics.md §2.1):
/// - `nearest`: `ops.repeat` along the rows, then the columns: output `(y, x)` is input `(y / fh, x / fw)`;
/// - `bilinear`: `tf.image.resize(method="bilinear")`, TensorFlow's `ResizeBilinear` with half-pixel centres and
///   without corner alignment: the source row of output row `y` is `(y + 0.5) · (H / (H·fh)) − 0.5` (float32),
///   between rows `max(floor, 0)` and `min(ceil, H − 1)` with weight `source − floor`, and the same for columns;
///   `top = tl + (tr − tl)·xλ`, `bottom = bl + (br − bl)·xλ`, `top + (bottom − top)·yλ`, as TensorFlow's
///   `compute_lerp` rounds it.
public struct UpSampling2D: Sendable {
    public enum Interpolation: String, Sendable, CaseIterable {
        case nearest
        case bilinear
    }

    public let heightFactor: Int, widthFactor: Int
    public let interpolation: Interpolation

    public init(size: (Int, Int), interpolation: Interpolation) throws {
        guard size.0 > 0, size.1 > 0 else {
            throw TensorError.invalidArgument(operation: "up_sampling2d", detail: "size \(size) must be positive")
        }
        (heightFactor, widthFactor) = size
        self.interpolation = interpolation
    }

    public func outputShape(for input: Tensor) throws -> [Int] {
        let image = try ImageShape(input, operation: "up_sampling2d")
        return [image.batch, image.height * heightFactor, image.width * widthFactor, image.channels]
    }

    public func forward(_ input: Tensor, into output: Tensor) throws {
        let image = try ImageShape(input, operation: "up_sampling2d")
        let out = ImageShape(batch: image.batch, height: image.height * heightFactor, width: image.width * widthFactor, channels: image.channels)
        try out.require(output, operation: "up_sampling2d")
        try input.requireDistinct(from: output, operation: "up_sampling2d")
        let channels = image.channels, rowLength = out.width * channels
        switch interpolation {
        case .nearest:
            for n in 0..<image.batch {
                for row in 0..<image.height {
                    // One output row from the input row, then its copies below it.
                    let source = input.pointer + (n * image.height + row) * image.width * channels
                    let first = output.pointer + (n * out.height + row * heightFactor) * rowLength
                    for x in 0..<out.width { (first + x * channels).update(from: source + x / widthFactor * channels, count: channels) }
                    for copy in 1..<heightFactor { (first + copy * rowLength).update(from: first, count: rowLength) }
                }
            }
        case .bilinear:
            let rows = Self.interpolation(from: image.height, to: out.height), columns = Self.interpolation(from: image.width, to: out.width)
            for n in 0..<image.batch {
                let plane = input.pointer + n * image.height * image.width * channels
                for y in 0..<out.height {
                    let top = plane + rows[y].lower * image.width * channels, bottom = plane + rows[y].upper * image.width * channels
                    let yLerp = rows[y].lerp
                    let target = output.pointer + (n * out.height + y) * rowLength
                    for x in 0..<out.width {
                        let left = columns[x].lower * channels, right = columns[x].upper * channels, xLerp = columns[x].lerp
                        for c in 0..<channels {
                            let upper = top[left + c] + (top[right + c] - top[left + c]) * xLerp
                            let lower = bottom[left + c] + (bottom[right + c] - bottom[left + c]) * xLerp
                            target[x * channels + c] = upper + (lower - upper) * yLerp
                        }
                    }
                }
            }
        }
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let output = try Tensor(shape: outputShape(for: input))
        try forward(input, into: output)
        return output
    }

    /// The gradient with respect to the input, as TensorFlow differentiates the forward pass:
    /// - `nearest`: each input value gets the sum of its `fh x fw` copies' gradients, over the columns first (the
    ///   second repeat's gradient), then over the rows;
    /// - `bilinear`: TensorFlow's `ResizeBilinearGrad`: each output gradient spread over its four source values by
    ///   the forward pass's weights, accumulated in float32 in the same order (batch, row, column, channel; top left,
    ///   top right, bottom left, bottom right).
    public func backward(outputGradient: Tensor, into inputGradient: Tensor) throws {
        let image = try ImageShape(inputGradient, operation: "up_sampling2d backward")
        let out = ImageShape(batch: image.batch, height: image.height * heightFactor, width: image.width * widthFactor, channels: image.channels)
        try out.require(outputGradient, operation: "up_sampling2d backward", role: "output gradient")
        try outputGradient.requireDistinct(from: inputGradient, operation: "up_sampling2d backward", role: "output gradient")
        let channels = image.channels, rowLength = out.width * channels
        switch interpolation {
        case .nearest:
            for n in 0..<image.batch {
                for row in 0..<image.height {
                    let target = inputGradient.pointer + (n * image.height + row) * image.width * channels
                    let first = outputGradient.pointer + (n * out.height + row * heightFactor) * rowLength
                    for x in 0..<image.width {
                        for c in 0..<channels {
                            var sum: Float = 0
                            for copy in 0..<heightFactor {
                                let source = first + copy * rowLength + x * widthFactor * channels + c
                                var columns: Float = 0
                                for column in 0..<widthFactor { columns += source[column * channels] }
                                sum += columns
                            }
                            target[x * channels + c] = sum
                        }
                    }
                }
            }
        case .bilinear:
            let rows = Self.interpolation(from: image.height, to: out.height), columns = Self.interpolation(from: image.width, to: out.width)
            inputGradient.pointer.update(repeating: 0, count: inputGradient.count)
            for n in 0..<image.batch {
                let plane = inputGradient.pointer + n * image.height * image.width * channels
                for y in 0..<out.height {
                    let top = plane + rows[y].lower * image.width * channels, bottom = plane + rows[y].upper * image.width * channels
                    let yLerp = rows[y].lerp, yInverse = 1 - yLerp
                    let source = outputGradient.pointer + (n * out.height + y) * rowLength
                    for x in 0..<out.width {
                        let left = columns[x].lower * channels, right = columns[x].upper * channels
                        let xLerp = columns[x].lerp, xInverse = 1 - xLerp
                        for c in 0..<channels {
                            let dy = source[x * channels + c]
                            top[left + c] += dy * yInverse * xInverse
                            top[right + c] += dy * yInverse * xLerp
                            bottom[left + c] += dy * yLerp * xInverse
                            bottom[right + c] += dy * yLerp * xLerp
                        }
                    }
                }
            }
        }
    }

    /// TensorFlow's `compute_interpolation_weights` with its `HalfPixelScaler`, for one axis of `inputSize` values
    /// resized to `outputSize`: the scale `in / out` in float32, each output's source position, its two neighbours
    /// (clamped to the axis) and the weight of the second.
    static func interpolation(from inputSize: Int, to outputSize: Int) -> [(lower: Int, upper: Int, lerp: Float)] {
        let scale = Float(inputSize) / Float(outputSize)
        return (0..<outputSize).map { index in
            let source = (Float(index) + 0.5) * scale - 0.5
            let floor = source.rounded(.down)
            return (max(Int(floor), 0), min(Int(source.rounded(.up)), inputSize - 1), source - floor)
        }
    }
}

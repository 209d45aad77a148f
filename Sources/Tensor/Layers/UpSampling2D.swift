/// Keras `UpSampling2D(size=(fh, fw))`: an `(N, H, W, C)` input to `(N, H·fh, W·fw, C)`, computed as Keras 3's
/// TensorFlow backend does (docs/keras-numerics.md §2.1):
/// - `nearest`: `ops.repeat` along the rows, then the columns: output `(y, x)` is input `(y / fh, x / fw)`;
/// - `bilinear`: `tf.image.resize(method="bilinear")`, TensorFlow's `ResizeBilinear` with half-pixel centres and
///   without corner alignment (`ResizeBilinear`) of the whole image.
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
        try upSampled(ImageShape(input, operation: "up_sampling2d")).dimensions
    }

    /// The output image for an input image.
    private func upSampled(_ image: ImageShape) -> ImageShape {
        ImageShape(batch: image.batch, height: image.height * heightFactor, width: image.width * widthFactor, channels: image.channels)
    }

    /// The bilinear resize of a whole `image` to `out`.
    private func bilinear(_ image: ImageShape, to out: ImageShape) -> ResizeBilinear {
        ResizeBilinear(top: 0, left: 0, height: image.height, width: image.width, outputHeight: out.height, outputWidth: out.width)
    }

    public func forward(_ input: Tensor, into output: Tensor) throws {
        let image = try ImageShape(input, operation: "up_sampling2d"), out = upSampled(image)
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
            bilinear(image, to: out).forward(input, image, into: output)
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
    /// - `bilinear`: TensorFlow's `ResizeBilinearGrad` (`ResizeBilinear.backward`).
    public func backward(outputGradient: Tensor, into inputGradient: Tensor) throws {
        let image = try ImageShape(inputGradient, operation: "up_sampling2d backward"), out = upSampled(image)
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
            bilinear(image, to: out).backward(outputGradient, image, into: inputGradient)
        }
    }
}

/// Keras `MaxPooling2D` / `AveragePooling2D` with TensorFlow semantics (docs/keras-numerics.md §2): padded
/// positions of a 'same' pool are ignored, so a max pool never sees a padding zero (it acts as -inf) and
/// an average pool divides by the number of real pixels in its window.
///
/// A max pool can also take the `ZeroPadding2D` before it (ResNet's and DenseNet's stems): the zeros then take
/// part in the maximum, in window order, exactly as if the padded image had been written out first, which the
/// fused mode saves (at batch 16 that copy took as long as the pooling).
public struct Pool2D: Sendable {
    public enum Kind: Sendable { case max, average }

    public let kind: Kind
    public let poolSize: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding
    public let zeroPadding: ZeroPadding

    /// `strides` defaults to `poolSize`, as in Keras. `zeroPadding` is for a max pool with 'valid' padding only.
    public init(_ kind: Kind, poolSize: (Int, Int), strides: (Int, Int)? = nil, padding: Padding = .valid,
                zeroPadding: ZeroPadding = .none) throws {
        let strides = strides ?? poolSize
        guard poolSize.0 > 0, poolSize.1 > 0, strides.0 > 0, strides.1 > 0 else {
            throw TensorError.invalidArgument(operation: "pool2d", detail: "pool size \(poolSize) and strides \(strides) must be positive")
        }
        guard !zeroPadding.isNegative else {
            throw TensorError.invalidArgument(operation: "pool2d", detail: "zero padding must not be negative")
        }
        guard zeroPadding == .none || (kind == .max && padding == .valid) else {
            throw TensorError.invalidArgument(operation: "pool2d", detail: "zero padding is for a max pool with 'valid' padding")
        }
        self.kind = kind
        self.poolSize = poolSize
        self.strides = strides
        self.padding = padding
        self.zeroPadding = zeroPadding
    }

    /// The input's shape, and the window geometry over the input with its zero padding.
    private func geometry(_ input: Tensor) throws -> (ImageShape, WindowGeometry) {
        let image = try ImageShape(input, operation: "pool2d")
        var padded = image
        padded.height += zeroPadding.top + zeroPadding.bottom
        padded.width += zeroPadding.left + zeroPadding.right
        let geometry = try WindowGeometry(operation: "pool2d", input: padded, kernel: poolSize, strides: strides,
                                          dilation: (1, 1), padding: padding)
        return (image, geometry)
    }

    public func outputShape(for input: Tensor) throws -> [Int] {
        let (image, geometry) = try geometry(input)
        return [image.batch, geometry.rows.output, geometry.columns.output, image.channels]
    }

    /// Output rows run on `Parallelism.workers` threads: with ReLU outputs in cache, the comparisons, not
    /// memory, bound a pool, and at batch 16 ResNet50's stem pool took 2% of the pass on one thread.
    public func forward(_ input: Tensor, into output: Tensor) throws {
        let (image, geometry) = try geometry(input)
        try ImageShape(batch: image.batch, height: geometry.rows.output, width: geometry.columns.output, channels: image.channels)
            .require(output, operation: "pool2d")
        try input.requireDistinct(from: output, operation: "pool2d")
        let source = SendablePointer(input.pointer), target = SendablePointer(output.pointer)
        runTasks(image.batch * geometry.rows.output, workers: Parallelism.workers) { _, task in
            poolRow(task % geometry.rows.output, image: task / geometry.rows.output, of: UnsafePointer(source.pointer), shape: image,
                    geometry: geometry, into: target.pointer + task * geometry.columns.output * image.channels)
        }
    }

    /// One output row of image `n`: `target` receives its `geometry.columns.output` pixels.
    private func poolRow(_ outputRow: Int, image n: Int, of input: UnsafePointer<Float>, shape image: ImageShape,
                         geometry: WindowGeometry, into target: UnsafeMutablePointer<Float>) {
        let channels = image.channels
        let inputImage = input + n * image.height * image.width * channels
        let padded = zeroPadding != .none
        let rows = window(geometry.rows, output: outputRow, size: poolSize.0, extent: geometry.rows.input)
        var target = target
        for outputColumn in 0..<geometry.columns.output {
            let columns = window(geometry.columns, output: outputColumn, size: poolSize.1, extent: geometry.columns.input)
            var first = true
            for paddedRow in rows {
                let row = paddedRow - zeroPadding.top
                for paddedColumn in columns {
                    let column = paddedColumn - zeroPadding.left
                    // Only a zero-padded max pool reads positions outside the image: zeros, in window order.
                    let inside = !padded || (row >= 0 && row < image.height && column >= 0 && column < image.width)
                    let pixel = inputImage + (row * image.width + column) * channels
                    if first {
                        if inside { target.update(from: pixel, count: channels) } else { target.update(repeating: 0, count: channels) }
                        first = false
                    } else {
                        switch kind {
                        case .max where inside: combineVectors(target, pixel, count: channels) { $0.replacing(with: $1, where: $0 .< $1) }
                        case .max: combineWithZero(target, count: channels) { $0.replacing(with: $1, where: $0 .< $1) }
                        case .average: combineVectors(target, pixel, count: channels) { $0 + $1 }
                        }
                    }
                }
            }
            if kind == .average {
                let count = Float(rows.count * columns.count)
                for c in 0..<channels { target[c] /= count }
            }
            target += channels
        }
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let output = try Tensor(shape: outputShape(for: input))
        try forward(input, into: output)
        return output
    }
}

extension Pool2D {
    /// The gradient with respect to the input. Max: each output's gradient goes to the first maximum of its
    /// window in row-major window order (padding never wins), as TensorFlow's CPU MaxPoolGrad routes it.
    /// Average: each output's gradient, divided by the number of real pixels in its window as in `forward`,
    /// goes to each of them. Overlapping windows (stride below the pool size) add up.
    /// A zero-padded pool (the fused mode's, for inference) has no backward pass: training runs the padding and
    /// the pool as the separate layers Keras has.
    public func backward(input: Tensor, outputGradient: Tensor, into inputGradient: Tensor) throws {
        guard zeroPadding == .none else {
            throw TensorError.invalidArgument(operation: "pool2d backward", detail: "a pool with its zero padding fused in runs forward only")
        }
        let (image, geometry) = try geometry(input)
        try ImageShape(batch: image.batch, height: geometry.rows.output, width: geometry.columns.output, channels: image.channels)
            .require(outputGradient, operation: "pool2d backward", role: "output gradient")
        try image.require(inputGradient, operation: "pool2d backward", role: "input gradient")
        try outputGradient.requireDistinct(from: inputGradient, operation: "pool2d backward", role: "output gradient")
        let channels = image.channels
        inputGradient.pointer.update(repeating: 0, count: inputGradient.count)
        var gradient = UnsafePointer(outputGradient.pointer)
        for n in 0..<image.batch {
            let imageOffset = n * image.height * image.width * channels
            let inputImage = input.pointer + imageOffset, gradientImage = inputGradient.pointer + imageOffset
            for outputRow in 0..<geometry.rows.output {
                let rows = window(geometry.rows, output: outputRow, size: poolSize.0, extent: image.height)
                for outputColumn in 0..<geometry.columns.output {
                    let columns = window(geometry.columns, output: outputColumn, size: poolSize.1, extent: image.width)
                    switch kind {
                    case .max:
                        for c in 0..<channels {
                            var best = (rows.lowerBound * image.width + columns.lowerBound) * channels + c
                            for row in rows {
                                for column in columns {
                                    let index = (row * image.width + column) * channels + c
                                    if inputImage[index] > inputImage[best] { best = index }
                                }
                            }
                            gradientImage[best] += gradient[c]
                        }
                    case .average:
                        let count = Float(rows.count * columns.count)
                        for row in rows {
                            for column in columns {
                                let target = gradientImage + (row * image.width + column) * channels
                                for c in 0..<channels { target[c] += gradient[c] / count }
                            }
                        }
                    }
                    gradient += channels
                }
            }
        }
    }
}

/// The input rows (or columns) under output position `output`'s window of `size` on `axis`, clipped to the
/// image's `extent`: padding contributes nothing, to a maximum or to an average's count.
@inline(__always)
private func window(_ axis: WindowAxis, output: Int, size: Int, extent: Int) -> Range<Int> {
    let first = max(axis.inputIndex(output: output, tap: 0), 0)
    return first..<max(first, min(axis.inputIndex(output: output, tap: size), extent))
}

/// Keras `GlobalAveragePooling2D` / `GlobalMaxPooling2D`: a mean or max over H and W, giving `(N, C)`,
/// or `(N, 1, 1, C)` with `keepdims`.
public struct GlobalPool2D: Sendable {
    public let kind: Pool2D.Kind
    public let keepDimensions: Bool

    public init(_ kind: Pool2D.Kind, keepDimensions: Bool = false) {
        self.kind = kind
        self.keepDimensions = keepDimensions
    }

    public func outputShape(for input: Tensor) throws -> [Int] {
        let image = try ImageShape(input, operation: "global_pool2d")
        guard image.height > 0, image.width > 0 else {
            throw TensorError.shapeMismatch(operation: "global_pool2d", detail: "empty spatial extent in \(input.shape)")
        }
        return keepDimensions ? [image.batch, 1, 1, image.channels] : [image.batch, image.channels]
    }

    public func forward(_ input: Tensor, into output: Tensor) throws {
        let image = try ImageShape(input, operation: "global_pool2d")
        let channels = image.channels, pixels = image.height * image.width
        try input.requireDistinct(from: output, operation: "global_pool2d")
        guard pixels > 0 else {
            throw TensorError.shapeMismatch(operation: "global_pool2d", detail: "empty spatial extent in \(input.shape)")
        }
        if keepDimensions {
            try ImageShape(batch: image.batch, height: 1, width: 1, channels: channels).require(output, operation: "global_pool2d")
        } else if output.rank != 2 || output.shape[0] != image.batch || output.shape[1] != channels {
            throw TensorError.shapeMismatch(operation: "global_pool2d", detail: "output is \(output.shape), expected [\(image.batch), \(channels)]")
        }
        for n in 0..<image.batch {
            let target = output.pointer + n * channels
            let source = input.pointer + n * pixels * channels
            target.update(from: source, count: channels)
            for pixel in 1..<pixels {
                switch kind {
                case .max: combineVectors(target, source + pixel * channels, count: channels) { $0.replacing(with: $1, where: $0 .< $1) }
                case .average: combineVectors(target, source + pixel * channels, count: channels) { $0 + $1 }
                }
            }
            if kind == .average {
                for c in 0..<channels { target[c] /= Float(pixels) }
            }
        }
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let output = try Tensor(shape: outputShape(for: input))
        try forward(input, into: output)
        return output
    }
}

extension GlobalPool2D {
    /// The gradient with respect to the input: average spreads `dy / (H * W)` over every pixel; max splits `dy`
    /// equally among the pixels equal to the maximum, as TensorFlow's gradient of its Max reduction does
    /// (`indicators / count * dy`; Keras' global max pool is that reduction, not a pooling window). `outputGradient` is `(N, C)` or `(N, 1, 1, C)` as in `forward`.
    public func backward(input: Tensor, outputGradient: Tensor, into inputGradient: Tensor) throws {
        let image = try ImageShape(input, operation: "global_pool2d backward")
        try image.require(inputGradient, operation: "global_pool2d backward", role: "input gradient")
        let expected = try outputShape(for: input)
        try outputGradient.requireShape(expected, operation: "global_pool2d backward", role: "output gradient")
        try outputGradient.requireDistinct(from: inputGradient, operation: "global_pool2d backward", role: "output gradient")
        let channels = image.channels, pixels = image.height * image.width
        for n in 0..<image.batch {
            let gradient = outputGradient.pointer + n * channels
            let source = input.pointer + n * pixels * channels, target = inputGradient.pointer + n * pixels * channels
            switch kind {
            case .average:
                for pixel in 0..<pixels {
                    for c in 0..<channels { target[pixel * channels + c] = gradient[c] / Float(pixels) }
                }
            case .max:
                for c in 0..<channels {
                    var maximum = source[c], ties: Float = 0
                    for pixel in 1..<pixels { maximum = max(maximum, source[pixel * channels + c]) }
                    for pixel in 0..<pixels where source[pixel * channels + c] == maximum { ties += 1 }
                    for pixel in 0..<pixels {
                        target[pixel * channels + c] = source[pixel * channels + c] == maximum ? 1 / ties * gradient[c] : 0
                    }
                }
            }
        }
    }
}

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
        // The channels split between the workers where there are many (EfficientNet's squeeze-and-excitation pools a
        // 56x56x144 map at batch 1): each channel is combined pixel after pixel in the same order whichever thread takes it.
        let kind = kind, source = SendablePointer(UnsafeMutablePointer(mutating: input.pointer)), target = SendablePointer(output.pointer)
        // Split from 64K input values (256 KB) on, and then only where each worker gets at least 64 channels.
        let worthSplitting = input.count >= 1 << 16
        splitAcrossWorkers(channels, granule: 64, parallelFrom: worthSplitting ? 128 : .max) { range in
            for n in 0..<image.batch {
                let target = target.pointer + n * channels + range.lowerBound
                let source = source.pointer + n * pixels * channels + range.lowerBound
                switch kind {
                case .max: Self.reduce(source, stride: channels, pixels: pixels, channels: range.count, into: target) { $0.replacing(with: $1, where: $0 .< $1) }
                case .average: Self.reduce(source, stride: channels, pixels: pixels, channels: range.count, into: target) { $0 + $1 }
                }
                if kind == .average {
                    for c in 0..<range.count { target[c] /= Float(pixels) }
                }
            }
        }
    }

    /// `target[c] = combine(...combine(combine(x[0][c], x[1][c]), x[2][c])..., x[pixels - 1][c])` over `pixels` rows `stride`
    /// floats apart, 64 channels at a time in four vector registers (combined through memory instead, each pixel's load
    /// of the running values waited on the store before it: EfficientNetB0's 17 pools took 0.2 of its 3.8 ms).
    @inline(__always)
    private static func reduce(_ source: UnsafePointer<Float>, stride: Int, pixels: Int, channels: Int, into target: UnsafeMutablePointer<Float>,
                               _ combine: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>) {
        var c = 0
        while c &+ 64 <= channels {
            var x = source + c
            var a0 = load16(x), a1 = load16(x + 16), a2 = load16(x + 32), a3 = load16(x + 48)
            for _ in 1..<pixels {
                x += stride
                a0 = combine(a0, load16(x))
                a1 = combine(a1, load16(x + 16))
                a2 = combine(a2, load16(x + 32))
                a3 = combine(a3, load16(x + 48))
            }
            store16(a0, target + c)
            store16(a1, target + c + 16)
            store16(a2, target + c + 32)
            store16(a3, target + c + 48)
            c &+= 64
        }
        while c &+ 16 <= channels {
            var x = source + c, a = load16(x)
            for _ in 1..<pixels {
                x += stride
                a = combine(a, load16(x))
            }
            store16(a, target + c)
            c &+= 16
        }
        while c < channels {
            var x = source + c, a = SIMD16(repeating: x[0])
            for _ in 1..<pixels {
                x += stride
                a = combine(a, SIMD16(repeating: x[0]))
            }
            target[c] = a[0]
            c &+= 1
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

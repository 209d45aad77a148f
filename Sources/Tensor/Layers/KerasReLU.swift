/// Keras' general `ReLU(max_value, negative_slope, threshold)` layer, step by step as `keras.activations.relu`
/// computes it: `y = x > threshold ? x : 0` (plain `max(x, 0)` when the threshold is 0, so a negative
/// threshold lets small negatives through), clipped to `[0, max_value]` when there is a max, then
/// `y -= negative_slope * max(threshold - x, 0)`. The plain
/// cases (`relu`, `leaky_relu`, and `ReLU(6.0)` as `relu6`) are `Activation`s and fuse into GEMM epilogues; this one
/// runs alone.
public struct KerasReLU: Sendable, Equatable {
    public let maxValue: Float?
    public let negativeSlope: Float
    public let threshold: Float

    public init(maxValue: Float?, negativeSlope: Float, threshold: Float) throws {
        if let maxValue, maxValue < 0 {
            throw TensorError.invalidArgument(operation: "relu", detail: "max_value \(maxValue) is negative")
        }
        guard negativeSlope >= 0 else {
            throw TensorError.invalidArgument(operation: "relu", detail: "negative_slope \(negativeSlope) is negative")
        }
        self.maxValue = maxValue
        self.negativeSlope = negativeSlope
        self.threshold = threshold
    }

    /// `output` may be `input`.
    public func forward(_ input: Tensor, into output: Tensor) throws {
        try output.requireShape(input.shape, operation: "relu")
        for i in 0..<input.count {
            let x = input.pointer[i]
            var y = threshold != 0 ? (x > threshold ? x : 0) : max(x, 0)
            if let maxValue { y = min(max(y, 0), maxValue) }
            if negativeSlope != 0 { y -= negativeSlope * max(threshold - x, 0) }
            output.pointer[i] = y
        }
    }

    /// The gradient of `forward` as TensorFlow's autodiff differentiates Keras' `relu`: with a slope, no max and
    /// no threshold Keras calls `leaky_relu` (`x > 0 ? dy : slope * dy`); otherwise the positive part passes
    /// where `x > threshold` (`x > 0` for the plain relu; `relu6`, Keras' op for max 6 without threshold, also
    /// stops at `x >= 6`), the clip `maximum(minimum(y, max), 0)` passes where `0 <= y <= max`, and the negative part
    /// `-slope * relu(threshold - x)` adds `slope * dy` where `x < threshold`. `inputGradient` may be `outputGradient`.
    public func backward(input: Tensor, outputGradient: Tensor, into inputGradient: Tensor) throws {
        try outputGradient.requireShape(input.shape, operation: "relu backward", role: "output gradient")
        try inputGradient.requireShape(input.shape, operation: "relu backward", role: "input gradient")
        let leaky = negativeSlope != 0 && maxValue == nil && threshold == 0
        let relu6 = maxValue == 6 && threshold == 0
        for i in 0..<input.count {
            let x = input.pointer[i], dy = outputGradient.pointer[i]
            if leaky {
                inputGradient.pointer[i] = x > 0 ? dy : negativeSlope * dy
                continue
            }
            var slope: Float = x > threshold ? 1 : 0
            if let maxValue, x < 0 || (relu6 ? x >= maxValue : x > maxValue) { slope = 0 }
            if negativeSlope != 0 && x < threshold { slope += negativeSlope }
            inputGradient.pointer[i] = slope * dy
        }
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let output = try Tensor(shape: input.shape)
        try forward(input, into: output)
        return output
    }
}

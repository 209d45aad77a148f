/// Keras' general `ReLU(max_value, negative_slope, threshold)` layer, step by step as `keras.activations.relu`
/// computes it: `y = x > threshold ? x : 0` (plain `max(x, 0)` when the threshold is 0, so a negative
/// threshold lets small negatives through), clipped to `[0, max_value]` when there is a max, then
/// `y -= negative_slope * max(threshold - x, 0)`. The plain
/// cases (`relu`, `leaky_relu`) are `Activation`s and fuse into GEMM epilogues; this one runs alone.
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

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let output = try Tensor(shape: input.shape)
        try forward(input, into: output)
        return output
    }
}

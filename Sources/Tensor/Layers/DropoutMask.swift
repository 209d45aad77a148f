/// Inverted dropout (Keras `Dropout` in training): each element is kept with probability `1 - rate` and scaled by
/// `1 / (1 - rate)`, so the expected activation is unchanged and inference needs no rescaling. The mask is
/// fixed at construction, so the forward pass and its backward pass are both `x * mask`.
///
/// The mask comes from SplitMix64 (Steele, Lea and Flood 2014) seeded with `seed`: element `i` takes the
/// `i`-th output, keeps its top 24 bits as a uniform `u` in `[0, 1)` (exact in float32) and is kept when
/// `u >= rate`. The same seed and shape give the same mask on every platform; TensorFlow's own random streams
/// are not reproduced (dropout masks cannot be compared with TensorFlow's, only their statistics).
public struct DropoutMask: Sendable {
    /// 0 or `1 / (1 - rate)` per element.
    public let values: Tensor

    /// `rate` must lie in `[0, 1)`; rate 0 gives all ones.
    public init(shape: [Int], rate: Float, seed: UInt64) throws {
        guard rate >= 0, rate < 1 else {
            throw TensorError.invalidArgument(operation: "dropout", detail: "rate \(rate) is outside [0, 1)")
        }
        values = try Tensor(shape: shape)
        let scale = 1 / (1 - rate)
        var random = SplitMix64(seed: seed)
        for i in 0..<values.count {
            values.pointer[i] = random.unitFloat() >= rate ? scale : 0
        }
    }

    /// `output = input * mask`, the forward and the backward pass alike. `output` may be `input`.
    public func apply(_ input: Tensor, into output: Tensor) throws {
        try input.requireShape(values.shape, operation: "dropout", role: "input")
        try output.requireShape(values.shape, operation: "dropout")
        combineVectors(input.pointer, values.pointer, into: output.pointer, count: output.count) { $0 * $1 }
    }
}

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
        var state = seed
        for i in 0..<values.count {
            let uniform = Float(DropoutMask.splitMix64(&state) >> 40) * 0x1p-24
            values.pointer[i] = uniform >= rate ? scale : 0
        }
    }

    /// `output = input * mask`, the forward and the backward pass alike. `output` may be `input`.
    public func apply(_ input: Tensor, into output: Tensor) throws {
        try input.requireShape(values.shape, operation: "dropout", role: "input")
        try output.requireShape(values.shape, operation: "dropout")
        if output.pointer != input.pointer { output.pointer.update(from: input.pointer, count: input.count) }
        combineVectors(output.pointer, values.pointer, count: output.count) { $0 * $1 }
    }

    /// The next SplitMix64 output.
    private static func splitMix64(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

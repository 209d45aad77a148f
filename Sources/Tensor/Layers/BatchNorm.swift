#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keras `BatchNormalization` at inference, over the last (channel) axis, computed as TensorFlow's
/// `tf.nn.batch_normalization` does (docs/keras-numerics.md §3): `scale = rsqrt(variance + epsilon) * gamma`,
/// `y = x * scale + (beta - mean * scale)`.
public struct BatchNorm: Sendable {
    /// `rsqrt(variance + epsilon) * gamma`, per channel.
    public let scale: [Float]
    /// `beta - mean * scale`, per channel.
    public let shift: [Float]

    /// `gamma` nil means `scale=False` (ones), `beta` nil means `center=False` (zeros). Read `epsilon` from the
    /// layer config: Keras defaults to 1e-3, ResNet50 uses 1.001e-5.
    public init(gamma: Tensor?, beta: Tensor?, movingMean: Tensor, movingVariance: Tensor, epsilon: Float) throws {
        let channels = movingMean.count
        guard movingMean.rank == 1, channels > 0 else {
            throw TensorError.shapeMismatch(operation: "batch_norm", detail: "moving mean must be a non-empty vector, got \(movingMean.shape)")
        }
        for (role, tensor) in [("moving_variance", movingVariance), ("gamma", gamma), ("beta", beta)] {
            if let tensor { try tensor.requireShape([channels], operation: "batch_norm", role: role) }
        }
        guard epsilon >= 0 else { throw TensorError.invalidArgument(operation: "batch_norm", detail: "epsilon \(epsilon) is negative") }
        var scale = [Float](repeating: 0, count: channels), shift = scale
        for c in 0..<channels {
            scale[c] = 1 / sqrtf(movingVariance.pointer[c] + epsilon) * (gamma?.pointer[c] ?? 1)
            shift[c] = (beta?.pointer[c] ?? 0) - movingMean.pointer[c] * scale[c]
        }
        self.scale = scale
        self.shift = shift
    }

    public var channels: Int { scale.count }

    /// Normalises `input` (last axis = channels) into `output` (may be `input`).
    public func forward(_ input: Tensor, into output: Tensor) throws {
        guard input.rank >= 1, input.shape[input.rank - 1] == channels else {
            throw TensorError.shapeMismatch(operation: "batch_norm", detail: "input \(input.shape) must end in \(channels) channels")
        }
        try output.requireShape(input.shape, operation: "batch_norm")
        scale.withUnsafeBufferPointer { scale in
            shift.withUnsafeBufferPointer { shift in
                for row in 0..<(input.count / channels) {
                    let x = input.pointer + row * channels, y = output.pointer + row * channels
                    for c in 0..<channels { y[c] = x[c] * scale[c] + shift[c] }
                }
            }
        }
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let output = try Tensor(shape: input.shape)
        try forward(input, into: output)
        return output
    }

    /// Folding into the convolution before it (ResNet's `conv -> bn`, the fused inference mode): the kernel is
    /// built with `Conv2D.Kernel(hwio:shape:outputScale:algorithm:)` and `outputScale: scale`, so `W' = W * scale`
    /// per output channel, and its bias is `foldedBias`. Exact in real arithmetic; in float32 it rounds
    /// `sum(x * (w * scale))` instead of `sum(x * w) * scale`, a few ulps per product, so the normalised error
    /// stays around 1e-6, far inside the 1e-4 layer tolerance. Only a BN directly after a convolution with no
    /// activation folds: a BN before a padded convolution cannot (the zero padding would have to become
    /// `-shift/scale`). Training keeps the pair unfolded.
    /// The bias of a convolution with this BN folded into it: `b * scale + shift` (`b` zero when absent).
    public func foldedBias(_ bias: Tensor?) throws -> Tensor {
        if let bias { try bias.requireShape([channels], operation: "batch_norm fold", role: "bias") }
        return try Tensor(shape: [channels], values: (0..<channels).map { c in (bias?.pointer[c] ?? 0) * scale[c] + shift[c] })
    }
}

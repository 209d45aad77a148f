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
        (scale, shift) = BatchNorm.coefficients(mean: movingMean.toArray(), variance: movingVariance.toArray(),
                                                gamma: gamma, beta: beta, epsilon: epsilon)
    }

    private init(scale: [Float], shift: [Float]) {
        self.scale = scale
        self.shift = shift
    }

    public var channels: Int { scale.count }

    /// Normalises `input` (last axis = channels) into `output` (may be `input`), then applies the element-wise
    /// `activation`: DenseNet's pre-activation `BatchNormalization -> ReLU` in one pass over memory instead of two
    /// (the fused mode), the normalised rows activated a few kilobytes at a time while they are in L1.
    public func forward(_ input: Tensor, into output: Tensor, activation: Activation = .linear) throws {
        guard input.rank >= 1, input.shape[input.rank - 1] == channels else {
            throw TensorError.shapeMismatch(operation: "batch_norm", detail: "input \(input.shape) must end in \(channels) channels")
        }
        try output.requireShape(input.shape, operation: "batch_norm")
        guard activation.isElementwise else {
            throw TensorError.invalidArgument(operation: "batch_norm", detail: "softmax is not an element-wise activation")
        }
        normalizeRows(input.pointer, stride: channels, rows: input.count / channels, into: output.pointer, activation: activation)
    }

    /// Normalises `rows` rows of `channels` values, `stride` floats apart from `input` on, into consecutive rows at `output`
    /// (may be `input` when `stride` is `channels`), and applies the element-wise `activation` a few kilobytes at a time,
    /// while they are in L1. `forward` and a pointwise convolution's pre-activation (`Conv2D.PreActivation`) share it, so
    /// that the two compute the same bits.
    func normalizeRows(_ input: UnsafePointer<Float>, stride: Int, rows: Int, into output: UnsafeMutablePointer<Float>,
                       activation: Activation) {
        let rowsPerPass = max(1, 4096 / channels)
        scale.withUnsafeBufferPointer { scale in
            shift.withUnsafeBufferPointer { shift in
                let scale = scale.baseAddress!, shift = shift.baseAddress!
                for first in Swift.stride(from: 0, to: rows, by: rowsPerPass) {
                    let last = min(first + rowsPerPass, rows)
                    for row in first..<last {
                        // 16 lanes at a time (the compiler kept the plain loop scalar); a multiply, then an add, as in TensorFlow.
                        let x = input + row &* stride, y = output + row &* channels
                        var c = 0
                        while c &+ 16 <= channels {
                            store16(load16(x + c) * load16(scale + c) + load16(shift + c), y + c)
                            c &+= 16
                        }
                        while c < channels {
                            y[c] = x[c] * scale[c] + shift[c]
                            c &+= 1
                        }
                    }
                    activation.apply(output + first * channels, count: (last - first) * channels)
                }
            }
        }
    }

    /// The gradient of `forward` (fixed statistics, inference mode): `dx = dy * scale`. `inputGradient` may be
    /// `outputGradient`.
    public func inputGradient(_ outputGradient: Tensor, into inputGradient: Tensor) throws {
        guard outputGradient.rank >= 1, outputGradient.shape[outputGradient.rank - 1] == channels else {
            throw TensorError.shapeMismatch(operation: "batch_norm backward", detail: "output gradient \(outputGradient.shape) must end in \(channels) channels")
        }
        try inputGradient.requireShape(outputGradient.shape, operation: "batch_norm backward", role: "input gradient")
        scale.withUnsafeBufferPointer { scale in
            for row in 0..<(outputGradient.count / channels) {
                let dy = outputGradient.pointer + row * channels, dx = inputGradient.pointer + row * channels
                for c in 0..<channels { dx[c] = dy[c] * scale[c] }
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

/// Training mode: normalisation with the batch's own statistics, each forward next to its backward.
extension BatchNorm {
    /// Batch statistics over every axis but the last: per-channel mean and BIASED variance, two-pass as
    /// `tf.nn.moments` (what Keras 3's TensorFlow backend calls) computes them: `mean(x)`, then
    /// `mean((x - mean)²)`. Sums accumulate in double, so the result is the correctly rounded value
    /// TensorFlow's float32 tree reduction approximates to a few ulps.
    public static func batchStatistics(_ input: Tensor) throws -> (mean: [Float], variance: [Float]) {
        let (rows, channels) = try rowsAndChannels(input, operation: "batch_norm statistics")
        var sum = [Double](repeating: 0, count: channels), squares = sum
        sum.withUnsafeMutableBufferPointer { sum in
            for row in 0..<rows {
                let x = input.pointer + row * channels
                for c in 0..<channels { sum[c] += Double(x[c]) }
            }
        }
        let mean = sum.map { Float($0 / Double(rows)) }
        mean.withUnsafeBufferPointer { mean in
            squares.withUnsafeMutableBufferPointer { squares in
                for row in 0..<rows {
                    let x = input.pointer + row * channels
                    for c in 0..<channels {
                        let centred = Double(x[c] - mean[c])  // float32 difference, as TF's squared_difference
                        squares[c] += centred * centred
                    }
                }
            }
        }
        return (mean, squares.map { Float($0 / Double(rows)) })
    }

    /// y = (x - mean) * rsqrt(variance + epsilon) * gamma + beta (gamma nil = ones, beta nil = zeros), rounded as
    /// `tf.nn.batch_normalization` does: `x * scale + (beta - mean * scale)`. `output` may be `input`.
    public static func normalize(_ input: Tensor, mean: [Float], variance: [Float], gamma: Tensor?, beta: Tensor?,
                                 epsilon: Float, into output: Tensor) throws {
        let channels = try rowsAndChannels(input, operation: "batch_norm normalize").channels
        try requireChannels(channels, mean: mean, variance: variance, gamma: gamma, beta: beta, operation: "batch_norm normalize")
        let (scale, shift) = coefficients(mean: mean, variance: variance, gamma: gamma, beta: beta, epsilon: epsilon)
        try BatchNorm(scale: scale, shift: shift).forward(input, into: output)
    }

    /// Gradients of `normalize` when mean/variance are the batch statistics of `input` (training mode), the
    /// gradient flowing through the statistics too. Per channel, over the M = count / channels rows, with
    /// `xhat = (x - mean) * rstd`: `dbeta = sum(dy)`, `dgamma = sum(dy * xhat)`, and
    /// `dx = gamma * rstd / M * (M * dy - dbeta - xhat * dgamma)`. Each output is optional; `inputGradient` may be
    /// `outputGradient`.
    public static func batchBackward(input: Tensor, outputGradient: Tensor, mean: [Float], variance: [Float],
                                     gamma: Tensor?, epsilon: Float, inputGradient: Tensor?,
                                     gammaGradient: Tensor?, betaGradient: Tensor?) throws {
        let operation = "batch_norm backward"
        let (rows, channels) = try rowsAndChannels(input, operation: operation)
        try requireChannels(channels, mean: mean, variance: variance, gamma: gamma, beta: nil, operation: operation)
        try outputGradient.requireShape(input.shape, operation: operation, role: "output gradient")
        try inputGradient?.requireShape(input.shape, operation: operation, role: "input gradient")
        try gammaGradient?.requireShape([channels], operation: operation, role: "gamma gradient")
        try betaGradient?.requireShape([channels], operation: operation, role: "beta gradient")
        let rstd = variance.map { 1 / sqrtf($0 + epsilon) }
        var sumGradient = [Double](repeating: 0, count: channels), sumGradientXhat = sumGradient
        mean.withUnsafeBufferPointer { mean in
            rstd.withUnsafeBufferPointer { rstd in
                sumGradient.withUnsafeMutableBufferPointer { sumGradient in
                    sumGradientXhat.withUnsafeMutableBufferPointer { sumGradientXhat in
                        for row in 0..<rows {
                            let x = input.pointer + row * channels, dy = outputGradient.pointer + row * channels
                            for c in 0..<channels {
                                sumGradient[c] += Double(dy[c])
                                sumGradientXhat[c] += Double(dy[c] * ((x[c] - mean[c]) * rstd[c]))
                            }
                        }
                    }
                }
            }
        }
        for c in 0..<channels {
            gammaGradient?.pointer[c] = Float(sumGradientXhat[c])
            betaGradient?.pointer[c] = Float(sumGradient[c])
        }
        guard let inputGradient else { return }
        let count = Float(rows)
        let dbeta = sumGradient.map { Float($0) }, dgamma = sumGradientXhat.map { Float($0) }
        let factor = (0..<channels).map { c in (gamma?.pointer[c] ?? 1) * rstd[c] / count }
        // One buffer of the five per-channel coefficients, so the loop indexes no arrays.
        let coefficients = mean + rstd + factor + dbeta + dgamma
        coefficients.withUnsafeBufferPointer { coefficients in
            let mean = coefficients.baseAddress!, rstd = mean + channels, factor = rstd + channels
            let dbeta = factor + channels, dgamma = dbeta + channels
            for row in 0..<rows {
                let x = input.pointer + row * channels, dy = outputGradient.pointer + row * channels
                let dx = inputGradient.pointer + row * channels
                for c in 0..<channels {
                    let xhat = (x[c] - mean[c]) * rstd[c]
                    dx[c] = factor[c] * (count * dy[c] - dbeta[c] - xhat * dgamma[c])
                }
            }
        }
    }

    /// `scale = rsqrt(variance + epsilon) * gamma` and `shift = beta - mean * scale`, as in `init`.
    static func coefficients(mean: [Float], variance: [Float], gamma: Tensor?, beta: Tensor?,
                             epsilon: Float) -> (scale: [Float], shift: [Float]) {
        let scale = (0..<mean.count).map { c in 1 / sqrtf(variance[c] + epsilon) * (gamma?.pointer[c] ?? 1) }
        let shift = (0..<mean.count).map { c in (beta?.pointer[c] ?? 0) - mean[c] * scale[c] }
        return (scale, shift)
    }

    /// The rows (every axis but the last, flattened) and channels (the last axis) of a non-empty tensor.
    private static func rowsAndChannels(_ input: Tensor, operation: String) throws -> (rows: Int, channels: Int) {
        guard input.rank >= 1, input.count > 0 else {
            throw TensorError.shapeMismatch(operation: operation, detail: "input \(input.shape) must be non-empty")
        }
        let channels = input.shape[input.rank - 1]
        return (input.count / channels, channels)
    }

    private static func requireChannels(_ channels: Int, mean: [Float], variance: [Float], gamma: Tensor?, beta: Tensor?,
                                        operation: String) throws {
        guard mean.count == channels, variance.count == channels else {
            throw TensorError.shapeMismatch(operation: operation, detail: "mean \(mean.count) and variance \(variance.count) values for \(channels) channels")
        }
        if let gamma { try gamma.requireShape([channels], operation: operation, role: "gamma") }
        if let beta { try beta.requireShape([channels], operation: operation, role: "beta") }
    }
}

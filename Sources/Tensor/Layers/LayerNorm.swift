#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keras `LayerNormalization` over the last axis: each row (one position's channels) normalised by its own mean and
/// biased variance, in training and inference alike. Computed as Keras 3's `ops.layer_normalization` does on
/// TensorFlow (docs/keras-numerics.md §3.1): `mean, variance = tf.nn.moments(x, -1)`,
/// `inv = rsqrt(variance + epsilon) · gamma`, `y = x · inv + (−mean · inv + beta)`.
public struct LayerNorm: Sendable {
    /// nil: `scale=False` (ones).
    public let gamma: [Float]?
    /// nil: `center=False` (zeros).
    public let beta: [Float]?
    public let epsilon: Float

    /// Without `gamma` and `beta` the layer normalises any number of channels.
    public init(gamma: Tensor?, beta: Tensor?, epsilon: Float) throws {
        if let gamma, let beta { try beta.requireShape(gamma.shape, operation: "layer_norm", role: "beta") }
        for (role, tensor) in [("gamma", gamma), ("beta", beta)] {
            guard let tensor else { continue }
            guard tensor.rank == 1, tensor.count > 0 else {
                throw TensorError.shapeMismatch(operation: "layer_norm", detail: "\(role) must be a non-empty vector, got \(tensor.shape)")
            }
        }
        guard epsilon >= 0 else { throw TensorError.invalidArgument(operation: "layer_norm", detail: "epsilon \(epsilon) is negative") }
        self.gamma = gamma?.toArray()
        self.beta = beta?.toArray()
        self.epsilon = epsilon
    }

    /// The rows and channels (the last axis) of `tensor`, checked against `gamma` and `beta`.
    private func rowsAndChannels(of tensor: Tensor, operation: String) throws -> (rows: Int, channels: Int) {
        let channels = tensor.rank >= 1 ? tensor.shape[tensor.rank - 1] : 0
        guard channels > 0, (gamma ?? beta).map({ $0.count == channels }) ?? true else {
            throw TensorError.shapeMismatch(operation: operation, detail: "input \(tensor.shape) must end in "
                                            + ((gamma ?? beta).map { "\($0.count) channels" } ?? "at least one channel"))
        }
        return (tensor.count / channels, channels)
    }

    /// One row's mean and `rsqrt(variance + epsilon)`. Two passes as `tf.nn.moments`: the mean, then the mean of the
    /// squared float32 differences; both sums in double, the correctly rounded value TensorFlow's float32 reduction
    /// approximates to a few ulps (as `BatchNorm.batchStatistics`).
    private func statistics(_ x: UnsafeMutablePointer<Float>, _ channels: Int) -> (mean: Float, rstd: Float) {
        var sum = 0.0
        for c in 0..<channels { sum += Double(x[c]) }
        let mean = Float(sum / Double(channels))
        var squares = 0.0
        for c in 0..<channels {
            let centred = Double(x[c] - mean)
            squares += centred * centred
        }
        return (mean, 1 / sqrtf(Float(squares / Double(channels)) + epsilon))
    }

    /// `output` may be `input`.
    public func forward(_ input: Tensor, into output: Tensor) throws {
        let (rows, channels) = try rowsAndChannels(of: input, operation: "layer_norm")
        try output.requireShape(input.shape, operation: "layer_norm")
        for row in 0..<rows {
            let x = input.pointer + row * channels, y = output.pointer + row * channels
            let (mean, rstd) = statistics(x, channels)
            for c in 0..<channels {
                let inv = rstd * (gamma?[c] ?? 1)
                let shift = -mean * inv + (beta?[c] ?? 0)
                y[c] = x[c] * inv + shift
            }
        }
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let output = try Tensor(shape: input.shape)
        try forward(input, into: output)
        return output
    }

    /// The gradients of `forward`, through each row's statistics. Per row of N channels, with
    /// `xhat = (x − mean) · rstd` and `g = dy · gamma`: `dx = rstd / N · (N · g − Σg − xhat · Σ(g · xhat))`; over
    /// all rows `dgamma = Σ dy · xhat`, `dbeta = Σ dy` (sums in double). Each output is optional.
    public func backward(input: Tensor, outputGradient: Tensor, inputGradient: Tensor?, gammaGradient: Tensor?,
                         betaGradient: Tensor?) throws {
        let operation = "layer_norm backward"
        let (rows, channels) = try rowsAndChannels(of: input, operation: operation)
        try outputGradient.requireShape(input.shape, operation: operation, role: "output gradient")
        try inputGradient?.requireShape(input.shape, operation: operation, role: "input gradient")
        try gammaGradient?.requireShape([channels], operation: operation, role: "gamma gradient")
        try betaGradient?.requireShape([channels], operation: operation, role: "beta gradient")
        var sumGradient = [Double](repeating: 0, count: channels), sumGradientXhat = sumGradient
        var scaled = [Float](repeating: 0, count: channels), xhat = scaled
        let count = Float(channels)
        for row in 0..<rows {
            let x = input.pointer + row * channels, dy = outputGradient.pointer + row * channels
            let (mean, rstd) = statistics(x, channels)
            var sum = 0.0, sumXhat = 0.0
            for c in 0..<channels {
                xhat[c] = (x[c] - mean) * rstd
                scaled[c] = dy[c] * (gamma?[c] ?? 1)
                sum += Double(scaled[c])
                sumXhat += Double(scaled[c] * xhat[c])
                sumGradient[c] += Double(dy[c])
                sumGradientXhat[c] += Double(dy[c] * xhat[c])
            }
            guard let inputGradient else { continue }
            let dx = inputGradient.pointer + row * channels, factor = rstd / count
            let (total, totalXhat) = (Float(sum), Float(sumXhat))
            for c in 0..<channels { dx[c] = factor * (count * scaled[c] - total - xhat[c] * totalXhat) }
        }
        for c in 0..<channels {
            gammaGradient?.pointer[c] = Float(sumGradientXhat[c])
            betaGradient?.pointer[c] = Float(sumGradient[c])
        }
    }
}

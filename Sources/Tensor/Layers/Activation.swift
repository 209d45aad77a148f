#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Keras activations (docs/keras-numerics.md §5). All but `softmax` act element by element, so convolution
/// and dense fuse them into the GEMM epilogue; `softmax` needs a whole row and runs after the GEMM.
public enum Activation: Sendable, Equatable {
    case linear
    case relu
    case sigmoid
    case tanh
    /// Over the last axis: `exp(x - max) / sum(exp(x - max))`.
    case softmax
    /// `x > 0 ? x : alpha * (exp(x) - 1)`; Keras' default alpha is 1.
    case elu(alpha: Float)
    /// `x >= 0 ? x : alpha * x`; Keras' `LeakyReLU` layer defaults to 0.3, the `leaky_relu` function to 0.2.
    case leakyRelu(alpha: Float)

    /// The activation a Keras config names (`"relu"`, `"leaky_relu"`, ...), with Keras' default alphas.
    public init(kerasName name: String) throws {
        switch name {
        case "linear", "None": self = .linear
        case "relu": self = .relu
        case "sigmoid": self = .sigmoid
        case "tanh": self = .tanh
        case "softmax": self = .softmax
        case "elu": self = .elu(alpha: 1)
        case "leaky_relu": self = .leakyRelu(alpha: 0.2)
        default: throw TensorError.invalidArgument(operation: "activation", detail: "unsupported activation '\(name)'")
        }
    }

    var isElementwise: Bool { self != .softmax }

    /// Applies the activation to `input` (any shape; softmax over the last axis). `output` may be `input`.
    public func forward(_ input: Tensor, into output: Tensor) throws {
        try output.requireShape(input.shape, operation: "activation")
        if output.pointer != input.pointer { output.pointer.update(from: input.pointer, count: input.count) }
        if isElementwise {
            apply(output.pointer, count: output.count)
        } else {
            guard let length = input.shape.last, length > 0 else { return }
            Activation.softmax(output.pointer, rows: output.count / length, length: length)
        }
    }

    /// Applies an element-wise activation in place. Vector loops for the cheap ones; the transcendental
    /// ones call libm per element so they round like TensorFlow's scalar reference within a few ulps.
    @inline(__always)
    func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .linear, .softmax:
            return
        case .relu:
            transformVectors(values, count: count) { $0.replacing(with: 0, where: $0 .< 0) }
        case .leakyRelu(let alpha):
            transformVectors(values, count: count) { $0.replacing(with: $0 * alpha, where: $0 .< 0) }
        case .sigmoid:
            for i in 0..<count { values[i] = 1 / (1 + expf(-values[i])) }
        case .tanh:
            for i in 0..<count { values[i] = tanhf(values[i]) }
        case .elu(let alpha):
            for i in 0..<count where values[i] <= 0 { values[i] = alpha * expm1f(values[i]) }
        }
    }

    /// Softmax over each of `rows` consecutive rows of `length` floats, in place.
    static func softmax(_ values: UnsafeMutablePointer<Float>, rows: Int, length: Int) {
        for row in 0..<rows {
            let x = values + row &* length
            var maximum = -Float.infinity
            for i in 0..<length { maximum = max(maximum, x[i]) }
            var sum: Float = 0
            for i in 0..<length {
                let e = expf(x[i] - maximum)
                x[i] = e
                sum += e
            }
            for i in 0..<length { x[i] /= sum }
        }
    }
}

/// Runs `transform` over `values` 16 floats at a time, then the tail through a zero-padded vector. Explicit
/// SIMD16 because LLVM does not vectorize in-place pointer loops it cannot prove alias-free.
@inline(__always)
func transformVectors(_ values: UnsafeMutablePointer<Float>, count: Int, _ transform: (SIMD16<Float>) -> SIMD16<Float>) {
    var i = 0
    while i &+ 16 <= count {
        store16(transform(load16(values + i)), values + i)
        i &+= 16
    }
    if i < count {
        var tail = SIMD16<Float>.zero
        for j in 0..<(count &- i) { tail[j] = values[i &+ j] }
        tail = transform(tail)
        for j in 0..<(count &- i) { values[i &+ j] = tail[j] }
    }
}

extension Activation {
    /// The gradient with respect to the activation's input, from its OUTPUT `y` (what TensorFlow's gradient
    /// kernels read): ReluGrad passes where `y > 0`, SigmoidGrad is `dy * y * (1 - y)`, TanhGrad `dy * (1 - y²)`,
    /// elu `y > 0 ? dy : dy * (y + alpha)` (`y + alpha = alpha * exp(x)`; at 0 this is `alpha * dy`, as
    /// Keras' `where(x > 0, elu(x), alpha * elu(x))` differentiates for alpha other than 1, and `dy` for alpha 1 as
    /// EluGrad gives it), LeakyReluGrad passes `dy` where
    /// `x > 0` (`y > 0` exactly then, for `alpha >= 0`) and `alpha * dy` elsewhere, and softmax, over the last
    /// axis, is `y * (dy - sum(dy * y))`. `inputGradient` may share memory with `outputGradient` or `output`.
    public func backward(output: Tensor, outputGradient: Tensor, into inputGradient: Tensor) throws {
        try outputGradient.requireShape(output.shape, operation: "activation backward", role: "output gradient")
        try inputGradient.requireShape(output.shape, operation: "activation backward", role: "input gradient")
        let y = output.pointer, dy = outputGradient.pointer, dx = inputGradient.pointer, count = output.count
        switch self {
        case .linear:
            if dx != dy { dx.update(from: dy, count: count) }
        case .relu:
            combineVectors(y, dy, into: dx, count: count) { y, dy in dy.replacing(with: 0, where: .!(y .> 0)) }
        case .leakyRelu(let alpha):
            combineVectors(y, dy, into: dx, count: count) { y, dy in dy.replacing(with: dy * alpha, where: .!(y .> 0)) }
        case .sigmoid:
            combineVectors(y, dy, into: dx, count: count) { y, dy in dy * y * (1 - y) }
        case .tanh:
            combineVectors(y, dy, into: dx, count: count) { y, dy in dy * (1 - y * y) }
        case .elu(let alpha):
            combineVectors(y, dy, into: dx, count: count) { y, dy in dy.replacing(with: dy * (y + alpha), where: .!(y .> 0)) }
        case .softmax:
            guard let length = output.shape.last, length > 0 else { return }
            for row in stride(from: 0, to: count, by: length) {
                var dot: Float = 0
                for i in row..<(row + length) { dot += dy[i] * y[i] }
                for i in row..<(row + length) { dx[i] = y[i] * (dy[i] - dot) }
            }
        }
    }
}

internal import CKernels
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
    /// `min(max(x, 0), 6)`.
    case relu6
    /// `x * sigmoid(x)`; Keras names it `silu`, with `swish` as an alias.
    case silu
    /// Keras 3's `relu6(x + 3) / 6` (tf-keras 2's `hard_sigmoid` was `clip(0.2 * x + 0.5, 0, 1)`, another function).
    case hardSigmoid
    /// `x * hard_sigmoid(x)`; Keras names it `hard_silu`, with `hard_swish` as an alias.
    case hardSilu
    /// `0.5 * x * (1 + erf(x / sqrt(2)))`, or with `approximate` the tanh form
    /// `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`. Keras' `gelu` activation is the exact one.
    case gelu(approximate: Bool)
    /// `x > 0 ? scale * x : scale * alpha * (exp(x) - 1)` with Klambauer et al.'s fixed scale and alpha.
    case selu
    /// `log(1 + exp(x))`, as TensorFlow's kernel computes it: `x` above `-log(epsilon) - 2` and `exp(x)` below
    /// `log(epsilon) + 2`, where the other terms are lost in float32 rounding.
    case softplus

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
        case "relu6": self = .relu6
        case "silu", "swish": self = .silu
        case "hard_sigmoid": self = .hardSigmoid
        case "hard_silu", "hard_swish": self = .hardSilu
        case "gelu": self = .gelu(approximate: false)
        case "selu": self = .selu
        case "softplus": self = .softplus
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

    /// Applies an element-wise activation in place. Vector loops for the cheap ones and for sigmoid and silu (the
    /// kernels' polynomial exponential, EfficientNet's and squeeze-and-excitation's hot path); the other transcendental
    /// ones call libm per element, rounding like TensorFlow's scalar reference within a few ulps.
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
            zoo_sigmoid(values, Int64(count), false)
        case .tanh:
            for i in 0..<count { values[i] = tanhf(values[i]) }
        case .elu(let alpha):
            for i in 0..<count where values[i] <= 0 { values[i] = alpha * expm1f(values[i]) }
        case .relu6:
            transformVectors(values, count: count) { Activation.relu6($0) }
        case .silu:
            zoo_sigmoid(values, Int64(count), true)
        case .hardSigmoid:
            transformVectors(values, count: count) { Activation.relu6($0 + 3) / 6 }
        case .hardSilu:
            transformVectors(values, count: count) { $0 * (Activation.relu6($0 + 3) / 6) }
        case .gelu(approximate: false):
            for i in 0..<count { values[i] = 0.5 * values[i] * (1 + erff(values[i] / Activation.squareRootOfTwo)) }
        case .gelu(approximate: true):
            for i in 0..<count {
                let x = values[i]
                values[i] = 0.5 * x * (1 + tanhf(Activation.squareRootOfTwoOverPi * (x + Activation.geluCubic * (x * x * x))))
            }
        case .selu:
            for i in 0..<count {
                let x = values[i]
                values[i] = x < 0 ? Activation.seluScaleAlpha * expm1f(x) : Activation.seluScale * x
            }
        case .softplus:
            for i in 0..<count {
                let x = values[i]
                values[i] = x > -Activation.softplusThreshold ? x : x < Activation.softplusThreshold ? expf(x) : log1pf(expf(x))
            }
        }
    }

    /// The form the GEMM tile and the depthwise row apply in registers before they store, or nil for an activation
    /// that runs over finished outputs instead (linear needs nothing in either place).
    var inRegisters: zoo_activation? {
        switch self {
        case .linear: zoo_activation_linear
        case .relu: zoo_activation_relu
        case .relu6: zoo_activation_relu6
        case .silu: zoo_activation_silu
        default: nil
        }
    }

    @inline(__always)
    static func relu6(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let positive = x.replacing(with: 0, where: x .< 0)
        return positive.replacing(with: 6, where: positive .> 6)
    }

    // The constants as TensorFlow writes them (tf.nn.gelu, Eigen's selu and softplus functors), rounded to float32.
    static let squareRootOfTwo: Float = 1.4142135623730951
    static let squareRootOfTwoOverPi: Float = 0.7978845608028654
    static let geluCubic: Float = 0.044715
    static let twoOverSquareRootOfPi: Float = 1.1283791670955126
    static let seluScale: Float = 1.0507009873554804934193349852946
    static let seluScaleAlpha: Float = 1.7580993408473768599402175208123
    /// `log(float32 epsilon) + 2`, about -13.94.
    static let softplusThreshold: Float = logf(Float.ulpOfOne) + 2

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
    /// Whether `backward` reads the activation's input: where the derivative is not a function of the output
    /// (swish and GELU are not monotonic, the hard sigmoid's clip points are lost in its output's rounding) or
    /// TensorFlow's gradient kernel reads the input (SoftplusGrad).
    public var backwardReadsInput: Bool {
        switch self {
        case .silu, .hardSigmoid, .hardSilu, .gelu, .softplus: return true
        case .linear, .relu, .sigmoid, .tanh, .softmax, .elu, .leakyRelu, .relu6, .selu: return false
        }
    }

    /// The gradient with respect to the activation's input, as TensorFlow differentiates Keras' definition
    /// (docs/keras-numerics.md §9.6). From the OUTPUT `y`, as TensorFlow's gradient kernels read it: ReluGrad passes
    /// where `y > 0`, Relu6Grad where `0 < y < 6`, SigmoidGrad is `dy * y * (1 - y)`, TanhGrad `dy * (1 - y²)`,
    /// elu `y > 0 ? dy : dy * (y + alpha)` (`y + alpha = alpha * exp(x)`; at 0 this is `alpha * dy`, as
    /// Keras' `where(x > 0, elu(x), alpha * elu(x))` differentiates for alpha other than 1, and `dy` for alpha 1 as
    /// EluGrad gives it), SeluGrad `y < 0 ? dy * (y + scale * alpha) : dy * scale`, LeakyReluGrad passes `dy` where
    /// `x > 0` (`y > 0` exactly then, for `alpha >= 0`) and `alpha * dy` elsewhere, and softmax, over the last
    /// axis, is `y * (dy - sum(dy * y))`. From the INPUT `x` (`backwardReadsInput`): swish by tf.nn.silu's own
    /// gradient, `dy * s * (1 + x * (1 - s))` with `s = sigmoid(x)`; SoftplusGrad `dy / (exp(-x) + 1)`; the hard
    /// sigmoid passes `dy / 6` where `0 < x + 3 < 6` (Relu6Grad at `x + 3`); hard swish and both GELUs by the
    /// product and chain rules over their definitions, term by term as autodiff takes them.
    ///
    /// `input` may be nil when the activation does not read it. `inputGradient` may share memory with any operand.
    public func backward(input: Tensor?, output: Tensor, outputGradient: Tensor, into inputGradient: Tensor) throws {
        try outputGradient.requireShape(output.shape, operation: "activation backward", role: "output gradient")
        try inputGradient.requireShape(output.shape, operation: "activation backward", role: "input gradient")
        if let input { try input.requireShape(output.shape, operation: "activation backward", role: "input") }
        let y = output.pointer, dy = outputGradient.pointer, dx = inputGradient.pointer, count = output.count
        func requiredInput() throws -> UnsafeMutablePointer<Float> {
            guard let input else {
                throw TensorError.invalidArgument(operation: "activation backward", detail: "\(self) needs its input for the gradient")
            }
            return input.pointer
        }
        switch self {
        case .linear:
            if dx != dy { dx.update(from: dy, count: count) }
        case .relu:
            combineVectors(y, dy, into: dx, count: count) { y, dy in dy.replacing(with: 0, where: .!(y .> 0)) }
        case .relu6:
            combineVectors(y, dy, into: dx, count: count) { y, dy in dy.replacing(with: 0, where: .!(y .> 0) .| .!(y .< 6)) }
        case .leakyRelu(let alpha):
            combineVectors(y, dy, into: dx, count: count) { y, dy in dy.replacing(with: dy * alpha, where: .!(y .> 0)) }
        case .sigmoid:
            combineVectors(y, dy, into: dx, count: count) { y, dy in dy * y * (1 - y) }
        case .tanh:
            combineVectors(y, dy, into: dx, count: count) { y, dy in dy * (1 - y * y) }
        case .elu(let alpha):
            combineVectors(y, dy, into: dx, count: count) { y, dy in dy.replacing(with: dy * (y + alpha), where: .!(y .> 0)) }
        case .selu:
            combineVectors(y, dy, into: dx, count: count) { y, dy in
                (dy * Activation.seluScale).replacing(with: dy * (y + Activation.seluScaleAlpha), where: y .< 0)
            }
        case .softmax:
            guard let length = output.shape.last, length > 0 else { return }
            for row in stride(from: 0, to: count, by: length) {
                var dot: Float = 0
                for i in row..<(row + length) { dot += dy[i] * y[i] }
                for i in row..<(row + length) { dx[i] = y[i] * (dy[i] - dot) }
            }
        case .silu:
            let x = try requiredInput()
            for i in 0..<count {
                let s = 1 / (1 + expf(-x[i]))
                dx[i] = dy[i] * (s * (1 + x[i] * (1 - s)))
            }
        case .softplus:
            let x = try requiredInput()
            for i in 0..<count { dx[i] = dy[i] / (expf(-x[i]) + 1) }
        case .hardSigmoid:
            let x = try requiredInput()
            combineVectors(x, dy, into: dx, count: count) { x, dy in Activation.hardSigmoidSlope(x, dy / 6) }
        case .hardSilu:
            // x * h(x): dy * h(x) through the product's first factor, plus h's own gradient of dy * x.
            let x = try requiredInput()
            combineVectors(x, dy, into: dx, count: count) { x, dy in
                dy * (Activation.relu6(x + 3) / 6) + Activation.hardSigmoidSlope(x, dy * x / 6)
            }
        case .gelu(approximate: false):
            // 0.5 * x * (1 + erf(u)), u = x / sqrt(2): the factor 0.5 * x, then erf's derivative 2/sqrt(pi) * exp(-u²).
            let x = try requiredInput()
            for i in 0..<count {
                let u = x[i] / Activation.squareRootOfTwo
                let throughFactor = 0.5 * (dy[i] * (1 + erff(u)))
                let throughErf = dy[i] * (0.5 * x[i]) * (Activation.twoOverSquareRootOfPi * expf(-(u * u))) / Activation.squareRootOfTwo
                dx[i] = throughFactor + throughErf
            }
        case .gelu(approximate: true):
            // 0.5 * x * (1 + tanh(v)), v = c * (x + k * x³): the factor 0.5 * x, then tanh's 1 - t² and v's c * (1 + 3k x²).
            let x = try requiredInput()
            for i in 0..<count {
                let value = x[i]
                let t = tanhf(Activation.squareRootOfTwoOverPi * (value + Activation.geluCubic * (value * value * value)))
                let throughFactor = 0.5 * (dy[i] * (1 + t))
                let throughTanh = dy[i] * (0.5 * value) * (1 - t * t)
                    * (Activation.squareRootOfTwoOverPi * (1 + 3 * Activation.geluCubic * (value * value)))
                dx[i] = throughFactor + throughTanh
            }
        }
    }

    /// `gradient` where the hard sigmoid's `relu6(x + 3)` has slope 1 (`0 < x + 3 < 6`, Relu6Grad), else 0.
    @inline(__always)
    private static func hardSigmoidSlope(_ x: SIMD16<Float>, _ gradient: SIMD16<Float>) -> SIMD16<Float> {
        let shifted = x + 3
        return gradient.replacing(with: 0, where: .!(shifted .> 0) .| .!(shifted .< 6))
    }
}

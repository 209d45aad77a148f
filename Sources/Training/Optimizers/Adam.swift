import Foundation

/// Keras' Adam (`keras/src/optimizers/adam.py`, `Adam.update_step`; the same form as Keras 2.2's
/// `Adam.get_updates` and tf-keras'): both bias corrections folded into the step size, epsilon added to the raw
/// `sqrt(v)`. Not PyTorch's form (epsilon added to the bias-corrected `sqrt(v̂)`): docs/keras-numerics.md §9.2.
/// The float32 operations and their order are Keras':
///
///     alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)        t = iterations + 1
///     m += (g - m) * (1 - beta_1)
///     v += (g² - v) * (1 - beta_2)
///     v̂  = max(v̂, v), used for v                             amsgrad only
///     p -= (m * alpha) / (sqrt(v) + epsilon)
public final class Adam: Optimizer {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let amsgrad: Bool
    /// `1 - beta_1` and `1 - beta_2` as Keras computes them: in Python's double precision, then cast to float32.
    private let oneMinusBeta1: Float
    private let oneMinusBeta2: Float
    public var current: OptimizerState
    public var slotNames: [String] { amsgrad ? ["momentum", "velocity", "velocity_hat"] : ["momentum", "velocity"] }

    /// Keras' defaults.
    public init(learningRate: Float = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-7,
                amsgrad: Bool = false) {
        self.beta1 = Float(beta1)
        self.beta2 = Float(beta2)
        self.epsilon = Float(epsilon)
        self.amsgrad = amsgrad
        oneMinusBeta1 = Float(1 - beta1)
        oneMinusBeta2 = Float(1 - beta2)
        current = OptimizerState(learningRate: learningRate)
    }

    public func update(_ parameter: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
                       slots: [UnsafeMutableBufferPointer<Float>], learningRate: Float, step: Int) {
        let beta1Power = pow(beta1, Float(step)), beta2Power = pow(beta2, Float(step))
        let alpha = learningRate * (1 - beta2Power).squareRoot() / (1 - beta1Power)
        let m = slots[0], v = slots[1]
        for i in parameter.indices {
            let g = gradient[i]
            m[i] += (g - m[i]) * oneMinusBeta1
            v[i] += (g * g - v[i]) * oneMinusBeta2
            var velocity = v[i]
            if amsgrad {
                slots[2][i] = max(slots[2][i], velocity)
                velocity = slots[2][i]
            }
            parameter[i] -= (m[i] * alpha) / (velocity.squareRoot() + epsilon)
        }
    }
}

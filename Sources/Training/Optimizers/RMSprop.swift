/// Keras 3's RMSprop (`keras/src/optimizers/rmsprop.py`, `RMSprop.update_step`), in its float32 operation order:
///
///     v = rho * v + (1 - rho) * g²
///     centered:  a = rho * a + (1 - rho) * g,   denominator = v - a² + epsilon
///     otherwise: denominator = v + epsilon
///     increment = (lr * g) / sqrt(denominator)
///     momentum 0: p -= increment;   otherwise: s = momentum * s + increment,  p -= s
public final class RMSprop: Optimizer {
    public let rho: Float
    public let momentum: Float
    public let epsilon: Float
    public let centered: Bool
    /// `1 - rho` as Keras computes it: in Python's double precision, then cast to float32.
    private let oneMinusRho: Float
    public var current: OptimizerState
    /// Keras' order: velocity, then momentum (momentum > 0 only), then average_gradient (centered only).
    public var slotNames: [String] {
        ["velocity"] + (momentum > 0 ? ["momentum"] : []) + (centered ? ["average_gradient"] : [])
    }

    /// Keras' defaults.
    public init(learningRate: Float = 1e-3, rho: Double = 0.9, momentum: Double = 0, epsilon: Double = 1e-7,
                centered: Bool = false) {
        self.rho = Float(rho)
        self.momentum = Float(momentum)
        self.epsilon = Float(epsilon)
        self.centered = centered
        oneMinusRho = Float(1 - rho)
        current = OptimizerState(learningRate: learningRate)
    }

    public func update(_ parameter: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
                       slots: [UnsafeMutableBufferPointer<Float>], learningRate lr: Float, step: Int) {
        let velocity = slots[0]
        let accumulated = momentum > 0 ? slots[1] : nil
        let average = centered ? slots[slots.count - 1] : nil
        for i in parameter.indices {
            let g = gradient[i]
            velocity[i] = rho * velocity[i] + oneMinusRho * (g * g)
            var denominator = velocity[i] + epsilon
            if let average {
                average[i] = rho * average[i] + oneMinusRho * g
                denominator = velocity[i] - average[i] * average[i] + epsilon
            }
            let increment = (lr * g) / denominator.squareRoot()
            if let accumulated {
                accumulated[i] = momentum * accumulated[i] + increment
                parameter[i] -= accumulated[i]
            } else {
                parameter[i] -= increment
            }
        }
    }
}

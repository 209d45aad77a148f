/// Keras' SGD (`keras/src/optimizers/sgd.py`, `SGD.update_step`), in its float32 operation order:
///
///     momentum 0:  p -= g * lr
///     otherwise:   m = m * momentum - g * lr
///                  p += m                                  or, nesterov:  p += m * momentum - g * lr
public final class SGD: Optimizer {
    public let momentum: Float
    public let nesterov: Bool
    public var current: OptimizerState
    /// Keras builds no momentum slot when momentum is 0.
    public var slotNames: [String] { momentum != 0 ? ["momentum"] : [] }

    /// Keras' defaults: learning rate 0.01, no momentum.
    public init(learningRate: Float = 0.01, momentum: Double = 0, nesterov: Bool = false) {
        self.momentum = Float(momentum)
        self.nesterov = nesterov
        current = OptimizerState(learningRate: learningRate)
    }

    public func update(_ parameter: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
                       slots: [UnsafeMutableBufferPointer<Float>], learningRate lr: Float, step: Int) {
        guard let m = slots.first else {
            for i in parameter.indices { parameter[i] -= gradient[i] * lr }
            return
        }
        for i in parameter.indices {
            m[i] = m[i] * momentum - gradient[i] * lr
            parameter[i] += nesterov ? m[i] * momentum - gradient[i] * lr : m[i]
        }
    }
}

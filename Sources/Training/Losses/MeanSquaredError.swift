import Tensor

/// Keras' `mean_squared_error` (`keras/src/losses/losses.py`): mean over the last axis of (p - t)^2 per row,
/// gradient 2 (p - t) / classes.
public struct MeanSquaredError: ElementwiseLoss {
    public let name = "mean_squared_error"

    public init() {}

    public func element(output p: Float, target t: Float) -> (loss: Float, gradient: Float) {
        ((p - t) * (p - t), 2 * (p - t))
    }
}

import Foundation
import Tensor

/// Keras' binary cross-entropy (`keras/src/losses/losses.py`, `binary_crossentropy`): the elementwise
/// cross-entropy of Keras 3's TensorFlow backend, averaged over the last axis per row.
///
/// - `fromLogits`: `tf.nn.sigmoid_cross_entropy_with_logits`, max(x, 0) - x t + log(1 + exp(-|x|)), gradient
///   sigmoid(x) - t. Keras 3 takes this path for a sigmoid head inside `fit` (the logits cached on the sigmoid's
///   output), exactly as for softmax (`CategoricalCrossentropy`): give it the sigmoid's input.
/// - probabilities: c = clip(p, 1e-7, 1 - 1e-7), -(t log c + (1 - t) log(1 - c)), zero gradient where clipped.
public struct BinaryCrossentropy: ElementwiseLoss {
    public let fromLogits: Bool
    public let name = "binary_crossentropy"

    public init(fromLogits: Bool = false) { self.fromLogits = fromLogits }

    /// One element: the loss and its derivative with respect to the output.
    public func element(output x: Float, target t: Float) -> (loss: Float, gradient: Float) {
        if fromLogits {
            return (max(x, 0) - x * t + log1p(exp(-abs(x))), 1 / (1 + exp(-x)) - t)
        }
        let c = min(max(x, lossEpsilon), 1 - lossEpsilon)
        let gradient = x < lossEpsilon || x > 1 - lossEpsilon ? 0 : -t / c + (1 - t) / (1 - c)
        return (-(t * log(c) + (1 - t) * log(1 - c)), gradient)
    }
}

import Foundation
import Tensor

/// Keras' binary cross-entropy (`keras/src/losses/losses.py`, `binary_crossentropy`): the elementwise
/// cross-entropy of Keras 3's TensorFlow backend, averaged over the last axis per row.
///
/// - `fromLogits`: `tf.nn.sigmoid_cross_entropy_with_logits`, max(x, 0) - x t + log(1 + exp(-|x|)), gradient
///   sigmoid(x) - t. Keras 3 takes this path for a sigmoid head inside `fit` (the logits cached on the sigmoid's
///   output), exactly as for softmax (`CategoricalCrossentropy`): give it the sigmoid's input.
/// - probabilities: c = clip(p, 1e-7, 1 - 1e-7), -(t log c + (1 - t) log(1 - c)), zero gradient where clipped.
public struct BinaryCrossentropy: Loss {
    public let fromLogits: Bool

    public init(fromLogits: Bool = false) { self.fromLogits = fromLogits }

    public func rowLosses(output: Tensor, target: LossTarget, losses: UnsafeMutableBufferPointer<Float>, gradient: Tensor?) throws {
        let classes = output.shape.last ?? 0, rows = losses.count
        guard classes > 0, rows * classes == output.count else {
            throw TensorError.shapeMismatch(operation: "binary_crossentropy", detail: "\(rows) rows for output \(output.shape)")
        }
        let target = try target.dense(matching: output, operation: "binary_crossentropy")
        let x = output.pointer, t = target.pointer, scale = 1 / Float(classes)
        for row in 0..<rows {
            var sum: Float = 0
            for i in row * classes..<(row + 1) * classes {
                let loss: Float, g: Float
                if fromLogits {
                    loss = max(x[i], 0) - x[i] * t[i] + log1p(exp(-abs(x[i])))
                    g = 1 / (1 + exp(-x[i])) - t[i]
                } else {
                    let c = min(max(x[i], lossEpsilon), 1 - lossEpsilon)
                    loss = -(t[i] * log(c) + (1 - t[i]) * log(1 - c))
                    g = x[i] < lossEpsilon || x[i] > 1 - lossEpsilon ? 0 : -t[i] / c + (1 - t[i]) / (1 - c)
                }
                sum += loss
                gradient?.pointer[i] = g * scale
            }
            losses[row] = sum * scale
        }
    }
}

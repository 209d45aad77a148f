import Foundation
import Tensor

/// Keras' categorical cross-entropy, dense (`CategoricalCrossentropy`) or with one class index per row
/// (`SparseCategoricalCrossentropy`, given `.sparse` targets), as Keras 3's TensorFlow backend computes it
/// (`keras/src/backend/tensorflow/nn.py`):
///
/// - `fromLogits`: `tf.nn.softmax_cross_entropy_with_logits`, l = logsumexp(z) - sum_j t_j z_j, whose gradient TF
///   writes as softmax(z) - t. **This is what Keras 3 trains a softmax head with**: `_get_logits` finds the logits
///   the Softmax activation cached on its output (`output._keras_logits`, `keras/src/activations/activations.py`)
///   or the Softmax op's input in a graph, and switches to this path, so inside `fit` no clipping happens and the
///   gradient reaching the logits is (softmax(z) - t) * w / rows. Give this loss the softmax's INPUT then;
///   `gradient` is dL/d(logits), to be fed past the softmax (not through its backward).
/// - probabilities (`fromLogits` false), dense targets: p is first divided by its row sum, then clipped to
///   [1e-7, 1 - 1e-7], l = -sum_j t_j log(clip(p_j / sum p)); the gradient is zero where the clip bites
///   (TensorFlow's `clip_by_value` gradient passes at the bounds, blocks strictly outside). Keras 2.2.4
///   (`keras/backend/tensorflow_backend.py`) computed exactly this for every output, softmax heads included: it had
///   no logits shortcut. Keras 3 reaches it for an output that is not a softmax (or an eager tensor, which cannot
///   carry `_keras_logits`). `gradient` is then dL/d(probabilities), for the softmax's backward.
/// - probabilities, sparse targets: Keras clips without normalising first, then takes
///   `sparse_softmax_cross_entropy_with_logits(log(clip(p)))`: l = -log(c_y / sum c), c = clip(p), so the rows
///   are normalised by the sum of the CLIPPED values.
public struct CategoricalCrossentropy: Loss {
    public let fromLogits: Bool

    public init(fromLogits: Bool = false) { self.fromLogits = fromLogits }

    public func rowLosses(output: Tensor, target: LossTarget, losses: UnsafeMutableBufferPointer<Float>, gradient: Tensor?) throws {
        let classes = output.shape.last ?? 0, rows = losses.count
        guard classes > 0, rows * classes == output.count else {
            throw TensorError.shapeMismatch(operation: "categorical_crossentropy", detail: "\(rows) rows for output \(output.shape)")
        }
        let labels = try target.labels(rows: rows, classes: classes, operation: "categorical_crossentropy")
        let dense = labels == nil ? try target.dense(matching: output, operation: "categorical_crossentropy") : nil
        var t = [Float](repeating: 0, count: classes), g = t
        for row in 0..<rows {
            let x = UnsafeBufferPointer(start: output.pointer + row * classes, count: classes)
            for j in 0..<classes { t[j] = dense.map { $0.pointer[row * classes + j] } ?? (j == labels?[row] ? 1 : 0) }
            if fromLogits {
                losses[row] = Self.logits(x, t, &g)
            } else if let labels {
                losses[row] = Self.sparseProbabilities(x, labels[row], &g)
            } else {
                losses[row] = Self.probabilities(x, t, &g)
            }
            if let gradient {
                for j in 0..<classes { gradient.pointer[row * classes + j] = g[j] }
            }
        }
    }

    /// One row from logits: logsumexp(z) - t.z, gradient softmax(z) - t.
    static func logits(_ z: UnsafeBufferPointer<Float>, _ t: [Float], _ g: inout [Float]) -> Float {
        let peak = z.max() ?? 0
        var sum: Float = 0
        for j in z.indices { g[j] = exp(z[j] - peak); sum += g[j] }
        let logSum = peak + log(sum)
        var loss: Float = 0
        for j in z.indices {
            loss += t[j] * (logSum - z[j])
            g[j] = g[j] / sum - t[j]
        }
        return loss
    }

    /// One row from probabilities, dense target: normalise, clip, -t.log; gradient through the clip and the sum.
    static func probabilities(_ p: UnsafeBufferPointer<Float>, _ t: [Float], _ g: inout [Float]) -> Float {
        let sum = p.reduce(0, +)
        var loss: Float = 0, weighted: Float = 0
        for j in p.indices {
            let q = p[j] / sum, c = min(max(q, lossEpsilon), 1 - lossEpsilon)
            loss -= t[j] * log(c)
            g[j] = q < lossEpsilon || q > 1 - lossEpsilon ? 0 : -t[j] / c
            weighted += g[j] * q
        }
        for j in p.indices { g[j] = (g[j] - weighted) / sum }
        return loss
    }

    /// One row from probabilities, sparse label: clip, then log-softmax of log(c), which is c / sum(c).
    static func sparseProbabilities(_ p: UnsafeBufferPointer<Float>, _ label: Int, _ g: inout [Float]) -> Float {
        var sum: Float = 0
        for j in p.indices { g[j] = min(max(p[j], lossEpsilon), 1 - lossEpsilon); sum += g[j] }
        let loss = log(sum) - log(g[label])
        for j in p.indices {
            let c = g[j], inside = p[j] >= lossEpsilon && p[j] <= 1 - lossEpsilon
            g[j] = inside ? (c / sum - (j == label ? 1 : 0)) / c : 0
        }
        return loss
    }
}

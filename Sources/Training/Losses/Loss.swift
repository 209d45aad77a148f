import Tensor
import Zoo

/// What a loss compares the model's output with.
public enum LossTarget {
    /// A tensor of the output's shape: one-hot or soft class probabilities, binary labels, regression targets.
    case dense(Tensor)
    /// One class index per row (Keras' sparse losses): as many labels as the output has rows.
    case sparse([Int])
}

/// A Keras loss (`keras/src/losses/losses.py`): one value per row of the output (every axis but the last), then
/// Keras' default reduction `sum_over_batch_size` (`keras/src/losses/loss.py`, `reduce_values`):
///
///     loss = sum_i(w_i * l_i) / rows          dL/d(output_i) = w_i * dl_i/d(output_i) / rows
///
/// The divisor is the number of rows, not the sum of the sample weights: Keras 3 divides by the sum of the
/// weights only under the non-default reduction `mean_with_sample_weight`. Class weights become sample weights
/// first (`ClassWeights.sampleWeights`), so they scale rows without renormalising the mean.
public protocol Loss {
    /// Writes each row's loss into `losses` (one per row) and, when asked, each row's loss gradient with respect to
    /// that row of `output` into `gradient` (same shape as `output`), both unweighted and unreduced.
    func rowLosses(output: Tensor, target: LossTarget, losses: UnsafeMutableBufferPointer<Float>, gradient: Tensor?) throws
}

extension Loss {
    /// The batch's mean loss (Keras' `sum_over_batch_size`); dL/d(output) into `gradient` when given (overwritten).
    /// `sampleWeights`: one per row of the output, or one per sample of the first axis (each spread over its rows).
    public func callAsFunction(_ output: Tensor, _ target: LossTarget, sampleWeights: [Float]? = nil,
                               gradient: Tensor? = nil) throws -> Float {
        guard let classes = output.shape.last, classes > 0, output.count > 0 else {
            throw TensorError.shapeMismatch(operation: "loss", detail: "output \(output.shape) has no rows or no class axis")
        }
        if let gradient, gradient.shape != output.shape {
            throw TensorError.shapeMismatch(operation: "loss", detail: "gradient \(gradient.shape) for output \(output.shape)")
        }
        let rows = output.count / classes
        let rowsPerWeight: Int
        if let sampleWeights {
            let samples = output.shape.count > 1 ? output.shape[0] : rows
            guard sampleWeights.count == rows || sampleWeights.count == samples else {
                throw TensorError.shapeMismatch(operation: "loss",
                                                detail: "\(sampleWeights.count) sample weights for \(samples) samples, \(rows) rows")
            }
            rowsPerWeight = rows / sampleWeights.count
        } else {
            rowsPerWeight = rows
        }
        var losses = [Float](repeating: 0, count: rows)
        try losses.withUnsafeMutableBufferPointer { try rowLosses(output: output, target: target, losses: $0, gradient: gradient) }
        func weight(_ row: Int) -> Float { sampleWeights.map { $0[row / rowsPerWeight] } ?? 1 }
        let divisor = Float(rows)
        if let gradient {
            let g = gradient.pointer
            for row in 0..<rows {
                let scale = weight(row) / divisor
                for j in row * classes..<(row + 1) * classes { g[j] *= scale }
            }
        }
        var sum: Float = 0
        for row in 0..<rows { sum += losses[row] * weight(row) }
        return sum / divisor
    }
}

/// Keras' `class_weight` (`keras/src/trainers/data_adapters/data_adapter_utils.py`,
/// `class_weight_to_sample_weights`): each row's sample weight is the weight of its class, 1 for a class the
/// dictionary does not name; a dense target's class is its argmax (the first of equal maxima, as numpy's).
public enum ClassWeights {
    public static func sampleWeights(_ target: LossTarget, classWeight: [Int: Float]) -> [Float] {
        labels(target).map { classWeight[$0] ?? 1 }
    }

    static func labels(_ target: LossTarget) -> [Int] {
        switch target {
        case .sparse(let labels): return labels
        case .dense(let tensor): return tensor.rowArgmax()
        }
    }
}

/// Keras' `backend.epsilon()`, the clipping margin of the losses on probabilities.
let lossEpsilon: Float = 1e-7

extension LossTarget {
    /// The dense target, which must have `output`'s shape.
    func dense(matching output: Tensor, operation: String) throws -> Tensor {
        guard case .dense(let tensor) = self, tensor.shape == output.shape else {
            throw TensorError.shapeMismatch(operation: operation, detail: "needs a dense target of the output's shape \(output.shape)")
        }
        return tensor
    }

    /// The labels of a sparse target, one in 0..<classes per row; nil for a dense target.
    func labels(rows: Int, classes: Int, operation: String) throws -> [Int]? {
        guard case .sparse(let labels) = self else { return nil }
        guard labels.count == rows, labels.allSatisfy({ (0..<classes).contains($0) }) else {
            throw TensorError.shapeMismatch(operation: operation, detail: "\(labels.count) labels in 0..<\(classes) for \(rows) rows")
        }
        return labels
    }
}

/// A loss that is the mean over the last axis of one term per element (binary cross-entropy, squared error):
/// the row loop, the shape check and the 1/classes scaling are shared; each loss writes only its term.
public protocol ElementwiseLoss: Loss {
    /// Keras' name, for messages.
    var name: String { get }
    /// One element's loss and its derivative with respect to the output element.
    func element(output: Float, target: Float) -> (loss: Float, gradient: Float)
}

extension ElementwiseLoss {
    public func rowLosses(output: Tensor, target: LossTarget, losses: UnsafeMutableBufferPointer<Float>, gradient: Tensor?) throws {
        let classes = output.shape.last ?? 0, rows = losses.count
        guard classes > 0, rows * classes == output.count else {
            throw TensorError.shapeMismatch(operation: name, detail: "\(rows) rows for output \(output.shape)")
        }
        let target = try target.dense(matching: output, operation: name)
        let x = output.pointer, t = target.pointer, scale = 1 / Float(classes)
        for row in 0..<rows {
            var sum: Float = 0
            for i in row * classes..<(row + 1) * classes {
                let (loss, g) = element(output: x[i], target: t[i])
                sum += loss
                gradient?.pointer[i] = g * scale
            }
            losses[row] = sum * scale
        }
    }
}

import Tensor

/// Keras' `mean_squared_error` (`keras/src/losses/losses.py`): mean over the last axis of (p - t)^2 per row,
/// gradient 2 (p - t) / classes.
public struct MeanSquaredError: Loss {
    public init() {}

    public func rowLosses(output: Tensor, target: LossTarget, losses: UnsafeMutableBufferPointer<Float>, gradient: Tensor?) throws {
        let classes = output.shape.last ?? 0, rows = losses.count
        guard classes > 0, rows * classes == output.count else {
            throw TensorError.shapeMismatch(operation: "mean_squared_error", detail: "\(rows) rows for output \(output.shape)")
        }
        let target = try target.dense(matching: output, operation: "mean_squared_error")
        let p = output.pointer, t = target.pointer, scale = 1 / Float(classes)
        for row in 0..<rows {
            var sum: Float = 0
            for i in row * classes..<(row + 1) * classes {
                let d = p[i] - t[i]
                sum += d * d
                gradient?.pointer[i] = 2 * d * scale
            }
            losses[row] = sum * scale
        }
    }
}

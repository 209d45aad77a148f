import Tensor

extension Tensor {
    /// Per row (every axis but the last), the index of the largest value along the last axis, the first of equal
    /// maxima (numpy's `argmax`, Keras' `categorical_accuracy`): a class-vector output's predicted classes, a
    /// one-hot target's labels. A row of no values predicts class 0.
    public func rowArgmax() -> [Int] {
        let rows = shape.dropLast().reduce(1, *)
        guard let length = shape.last, length > 0 else { return Array(repeating: 0, count: rows) }
        return (0..<rows).map { row in
            let values = pointer + row * length
            var best = 0
            for i in 1..<length where values[i] > values[best] { best = i }
            return best
        }
    }
}

import Tensor

/// How far one tensor Zoo computed is from TensorFlow's: the numbers every parity table prints, for a layer's
/// output (`LayerParity`) and for a gradient (`GradientParity`) alike, so both are judged by one rule.
public struct TensorDiscrepancy: Sendable {
    public let maxAbsoluteError: Double
    public let maxAbsoluteReference: Double
    public let meanAbsoluteError: Double
    public let cosineSimilarity: Double
    /// What `normalisedError` divides by: `maxAbsoluteReference`, unless the caller gave a scale of its own.
    public let scale: Double
    /// Empty when the comparison ran; otherwise why it could not (missing reference, shape differs).
    public let problem: String

    /// `max |Δ| / scale` (by default `max |ref|`): the error against the tensor's own size, so one tolerance
    /// fits every layer.
    public var normalisedError: Double {
        if !problem.isEmpty { return .infinity }
        if scale > 0 { return maxAbsoluteError / scale }
        return maxAbsoluteError == 0 ? 0 : .infinity
    }

    public func passes(tolerance: Double) -> Bool { normalisedError <= tolerance }

    /// Compares `actual` with `reference` element by element (same shape required), accumulating in Double.
    /// `missing` says why there is no reference when it is nil; `source` names who computed it (for a shape
    /// mismatch). `scale` replaces `max |ref|` as the divisor
    /// where the reference is no scale of its own (a gradient that is float32 noise).
    public init(actual: Tensor, reference: Tensor?, source: String, missing: String, scale: Double? = nil) {
        guard let reference else {
            self.init(failing: missing)
            return
        }
        guard reference.shape == actual.shape else {
            self.init(failing: "shape \(actual.shape), \(source) \(reference.shape)")
            return
        }
        var maxError = 0.0, maxReference = 0.0, sumError = 0.0, dot = 0.0, normActual = 0.0, normReference = 0.0
        for i in 0..<actual.count {
            let a = Double(actual.pointer[i]), r = Double(reference.pointer[i])
            let error = abs(a - r)
            // A NaN anywhere must fail the comparison, and `max` would drop it.
            maxError = error.isNaN || error > maxError ? error : maxError
            maxReference = max(maxReference, abs(r))
            sumError += error
            dot += a * r
            normActual += a * a
            normReference += r * r
        }
        let cosine = normActual == 0 && normReference == 0 ? 1 : dot / (normActual.squareRoot() * normReference.squareRoot())
        self.init(maxAbsoluteError: maxError, maxAbsoluteReference: maxReference,
                  meanAbsoluteError: actual.count > 0 ? sumError / Double(actual.count) : 0, cosineSimilarity: cosine,
                  scale: scale ?? maxReference, problem: "")
    }

    private init(failing problem: String) {
        self.init(maxAbsoluteError: .nan, maxAbsoluteReference: .nan, meanAbsoluteError: .nan, cosineSimilarity: .nan,
                  scale: .nan, problem: problem)
    }

    private init(maxAbsoluteError: Double, maxAbsoluteReference: Double, meanAbsoluteError: Double, cosineSimilarity: Double,
                 scale: Double, problem: String) {
        self.maxAbsoluteError = maxAbsoluteError
        self.maxAbsoluteReference = maxAbsoluteReference
        self.meanAbsoluteError = meanAbsoluteError
        self.cosineSimilarity = cosineSimilarity
        self.scale = scale
        self.problem = problem
    }
}

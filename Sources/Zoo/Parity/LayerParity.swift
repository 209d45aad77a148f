import Tensor

/// How far one layer's output is from Keras' (docs/architecture.md, "Parity policy").
public struct LayerParity: Sendable {
    public let layer: String
    public let op: String
    /// Position in execution order, from 1 (the plot's x axis).
    public let depth: Int
    public let shape: [Int]
    public let maxAbsoluteError: Double
    public let maxAbsoluteReference: Double
    public let meanAbsoluteError: Double
    public let cosineSimilarity: Double
    /// Empty when the comparison ran; otherwise why it could not (missing reference, shape differs).
    public let problem: String

    /// `max |Δ| / max |ref|`: the error against the layer's own scale, so one tolerance fits every layer.
    public var normalisedError: Double {
        if !problem.isEmpty { return .infinity }
        if maxAbsoluteReference > 0 { return maxAbsoluteError / maxAbsoluteReference }
        return maxAbsoluteError == 0 ? 0 : .infinity
    }

    public func passes(tolerance: Double) -> Bool { normalisedError <= tolerance }

    /// Compares `actual` with `reference` element by element (same shape required), accumulating in Double.
    public init(layer: String, op: String, depth: Int, actual: Tensor, reference: Tensor?) {
        self.layer = layer
        self.op = op
        self.depth = depth
        shape = actual.shape
        guard let reference else {
            (maxAbsoluteError, maxAbsoluteReference, meanAbsoluteError, cosineSimilarity) = (.nan, .nan, .nan, .nan)
            problem = "the golden file has no output for this layer"
            return
        }
        guard reference.shape == actual.shape else {
            (maxAbsoluteError, maxAbsoluteReference, meanAbsoluteError, cosineSimilarity) = (.nan, .nan, .nan, .nan)
            problem = "shape \(actual.shape), Keras \(reference.shape)"
            return
        }
        var maxError = 0.0, maxReference = 0.0, sumError = 0.0, dot = 0.0, normActual = 0.0, normReference = 0.0
        for i in 0..<actual.count {
            let a = Double(actual.pointer[i]), r = Double(reference.pointer[i])
            let error = abs(a - r)
            // A NaN anywhere must fail the layer, and `max` would drop it.
            maxError = error.isNaN || error > maxError ? error : maxError
            maxReference = max(maxReference, abs(r))
            sumError += error
            dot += a * r
            normActual += a * a
            normReference += r * r
        }
        maxAbsoluteError = maxError
        maxAbsoluteReference = maxReference
        meanAbsoluteError = actual.count > 0 ? sumError / Double(actual.count) : 0
        cosineSimilarity = normActual == 0 && normReference == 0 ? 1 : dot / (normActual.squareRoot() * normReference.squareRoot())
        problem = ""
    }
}

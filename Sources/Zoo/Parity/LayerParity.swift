import Tensor

/// How far one layer's output is from Keras' (docs/architecture.md, "Parity policy").
public struct LayerParity: Sendable {
    public let layer: String
    public let op: String
    /// Position in execution order, from 1 (the plot's x axis).
    public let depth: Int
    public let shape: [Int]
    public let discrepancy: TensorDiscrepancy

    public var maxAbsoluteError: Double { discrepancy.maxAbsoluteError }
    public var maxAbsoluteReference: Double { discrepancy.maxAbsoluteReference }
    public var meanAbsoluteError: Double { discrepancy.meanAbsoluteError }
    public var cosineSimilarity: Double { discrepancy.cosineSimilarity }
    /// Empty when the comparison ran; otherwise why it could not (missing reference, shape differs).
    public var problem: String { discrepancy.problem }
    /// `max |Δ| / max |ref|`: the error against the layer's own scale, so one tolerance fits every layer.
    public var normalisedError: Double { discrepancy.normalisedError }

    public func passes(tolerance: Double) -> Bool { discrepancy.passes(tolerance: tolerance) }

    /// Compares `actual` with `reference` element by element (same shape required), accumulating in Double.
    public init(layer: String, op: String, depth: Int, actual: Tensor, reference: Tensor?) {
        self.layer = layer
        self.op = op
        self.depth = depth
        shape = actual.shape
        discrepancy = TensorDiscrepancy(actual: actual, reference: reference, source: "Keras",
                                        missing: "the golden file has no output for this layer")
    }
}

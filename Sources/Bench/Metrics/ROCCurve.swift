/// The receiver operating characteristic: (0, 0), then one point per distinct score up to (1, 1), as scikit-learn's `roc_curve(drop_intermediate=False)` returns it (every point is kept for
/// plots; dropping collinear ones would not change the area).
public struct ROCCurve: Codable, Sendable, Equatable {
    public let falsePositiveRates: [Double]
    public let truePositiveRates: [Double]
    /// Decreasing; one fewer than the points: thresholds[k] gives point k + 1. The first point, (0, 0), is
    /// "nothing called positive", which scikit-learn gives the threshold +infinity; it is left out here so
    /// the curve encodes as plain JSON.
    public let thresholds: [Double]

    /// Throws unless both classes are present (each rate divides by one class's count).
    public init(_ predictions: BinaryPredictions) throws {
        try predictions.requireBothClasses(for: "ROC curve")
        let counts = ThresholdCounts(predictions)
        falsePositiveRates = [0] + counts.falsePositives.map { Double($0) / Double(counts.negatives) }
        truePositiveRates = [0] + counts.truePositives.map { Double($0) / Double(counts.positives) }
        thresholds = counts.thresholds
    }

    /// The area under the curve by the trapezoid rule (scikit-learn's `auc`, which `roc_auc_score` uses):
    /// a run of tied scores is one diagonal step, giving each positive-negative tie half credit, so the area
    /// equals the Mann-Whitney statistic that DeLong's method starts from.
    public var area: Double {
        var area = 0.0
        for k in 1..<falsePositiveRates.count {
            area += (falsePositiveRates[k] - falsePositiveRates[k - 1]) * (truePositiveRates[k] + truePositiveRates[k - 1]) / 2
        }
        return area
    }
}

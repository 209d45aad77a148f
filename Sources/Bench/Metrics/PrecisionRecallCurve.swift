/// Precision against recall, one point per distinct score, in scikit-learn's `precision_recall_curve` order:
/// thresholds increasing, recall decreasing, and a last point (precision 1, recall 0) with no threshold.
public struct PrecisionRecallCurve: Codable, Sendable, Equatable {
    public let precisions: [Double]
    public let recalls: [Double]
    /// Increasing; one fewer than the points (the last point has none).
    public let thresholds: [Double]

    /// Throws without positives: recall divides by them (scikit-learn instead warns and sets recall to 1,
    /// which makes the average precision 0, a number that means nothing).
    public init(_ predictions: BinaryPredictions) throws {
        guard predictions.positives > 0 else {
            throw MetricsError.undefined(metric: "precision-recall curve", reason: "no positive images, so recall is 0/0")
        }
        let counts = ThresholdCounts(predictions)
        // Every threshold calls at least one image positive, so tp + fp > 0.
        let precisions = zip(counts.truePositives, counts.falsePositives).map { Double($0) / Double($0 + $1) }
        let recalls = counts.truePositives.map { Double($0) / Double(counts.positives) }
        self.precisions = precisions.reversed() + [1]
        self.recalls = recalls.reversed() + [0]
        thresholds = counts.thresholds.reversed()
    }

    /// Average precision without interpolation, scikit-learn's `average_precision_score`:
    /// AP = sum_n (R_n - R_(n-1)) P_n over thresholds taken from the highest down. Unlike the trapezoidal
    /// area under this curve it never interpolates precision linearly between points, which would be optimistic.
    public var averagePrecision: Double {
        var sum = 0.0
        for k in 0..<(recalls.count - 1) { sum += (recalls[k] - recalls[k + 1]) * precisions[k] }
        return max(0, sum)
    }
}

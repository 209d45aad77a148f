/// How a decision threshold was chosen. Rules that look at labels are applied to the validation set only;
/// the resulting `Threshold` is then used unchanged on the test set, so test metrics are not tuned on test labels.
public enum ThresholdRule: String, Codable, Sendable, CaseIterable {
    /// 0.5: the softmax argmax of a two-class model (but at exactly 0.5 the image is called positive, where
    /// argmax would pick class 0).
    case fixed
    /// The validation score that maximises F1.
    case maxF1
    /// The validation score where sensitivity is closest to specificity (the equal error rate point that
    /// published tuberculosis benchmarks report).
    case equalErrorRate
}

/// A decision threshold and the rule that produced it: an image is called positive when score >= `value`.
public struct Threshold: Codable, Sendable, Equatable {
    public let rule: ThresholdRule
    public let value: Double

    public static let fixed = Threshold(rule: .fixed, value: 0.5)

    /// Chooses a threshold on validation predictions. Candidates are the distinct validation scores (any
    /// other value calls the same validation images positive as the next score above it); ties between
    /// candidates go to the highest score, the most conservative call.
    public static func choose(_ rule: ThresholdRule, on validation: BinaryPredictions) throws -> Threshold {
        switch rule {
        case .fixed:
            return .fixed
        case .maxF1:
            guard validation.positives > 0 else {
                throw MetricsError.undefined(metric: "max-F1 threshold", reason: "no positive validation images")
            }
            let counts = ThresholdCounts(validation)
            // F1 = 2TP / (2TP + FP + FN) = 2TP / (TP + FP + P). Equal ratios round to equal doubles, so ties are exact.
            let f1 = zip(counts.truePositives, counts.falsePositives).map {
                Double(2 * $0) / Double($0 + $1 + counts.positives)
            }
            return Threshold(rule: rule, value: counts.thresholds[firstIndexOfMinimum(f1.map { -$0 })])
        case .equalErrorRate:
            try validation.requireBothClasses(for: "equal-error-rate threshold")
            let counts = ThresholdCounts(validation)
            // |FNR - FPR| = |N (P - TP) - P FP| / (P N): compared as integers, so ties are exact.
            let gap = zip(counts.truePositives, counts.falsePositives).map {
                abs(counts.negatives * (counts.positives - $0) - counts.positives * $1)
            }
            return Threshold(rule: rule, value: counts.thresholds[firstIndexOfMinimum(gap)])
        }
    }

    private static func firstIndexOfMinimum<Value: Comparable>(_ values: [Value]) -> Int {
        values.indices.min { values[$0] < values[$1] }!
    }
}

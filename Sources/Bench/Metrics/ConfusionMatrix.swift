/// The four counts at one threshold (an image is called positive when its score >= the threshold, the
/// convention of scikit-learn's curves) and the rates read from them. Layout as scikit-learn's
/// `confusion_matrix(y_true, y_pred)`: rows true class, columns predicted class, class 0 first.
public struct ConfusionMatrix: Codable, Sendable, Equatable {
    public let truePositives: Int
    public let falsePositives: Int
    public let trueNegatives: Int
    public let falseNegatives: Int

    public init(truePositives: Int, falsePositives: Int, trueNegatives: Int, falseNegatives: Int) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.trueNegatives = trueNegatives
        self.falseNegatives = falseNegatives
    }

    public init(_ predictions: BinaryPredictions, threshold: Threshold) {
        var tp = 0, fp = 0
        for (score, label) in zip(predictions.scores, predictions.labels) where score >= threshold.value {
            if label == 1 { tp += 1 } else { fp += 1 }
        }
        self.init(truePositives: tp, falsePositives: fp, trueNegatives: predictions.negatives - fp,
                  falseNegatives: predictions.positives - tp)
    }

    /// [[TN, FP], [FN, TP]], as scikit-learn prints it.
    public var rows: [[Int]] { [[trueNegatives, falsePositives], [falseNegatives, truePositives]] }

    public var positives: Int { truePositives + falseNegatives }
    public var negatives: Int { trueNegatives + falsePositives }
    public var predictedPositives: Int { truePositives + falsePositives }
    public var count: Int { positives + negatives }
    public var correct: Int { truePositives + trueNegatives }

    public var accuracy: Double { Double(correct) / Double(count) }

    /// Recall of the positive class (true positive rate). Throws without positives.
    public func sensitivity() throws -> Double {
        guard positives > 0 else { throw MetricsError.undefined(metric: "sensitivity", reason: "no positive images") }
        return Double(truePositives) / Double(positives)
    }

    /// Recall of the negative class (true negative rate). Throws without negatives.
    public func specificity() throws -> Double {
        guard negatives > 0 else { throw MetricsError.undefined(metric: "specificity", reason: "no negative images") }
        return Double(trueNegatives) / Double(negatives)
    }

    /// The mean of sensitivity and specificity (scikit-learn's `balanced_accuracy_score` for two classes).
    public func balancedAccuracy() throws -> Double {
        (try sensitivity() + specificity()) / 2
    }

    /// Positive predictive value. With no image called positive it is 0, scikit-learn's `zero_division`
    /// default, so a collapsed model still gets a row in the table (its Wilson interval is then undefined).
    public var precision: Double {
        predictedPositives == 0 ? 0 : Double(truePositives) / Double(predictedPositives)
    }

    /// 2TP / (2TP + FP + FN), the harmonic mean of precision and recall written so it needs no special case
    /// when precision is 0/0; 0 when there is nothing to find and nothing was called positive (scikit-learn's
    /// `zero_division` default).
    public var f1: Double {
        let denominator = 2 * truePositives + falsePositives + falseNegatives
        return denominator == 0 ? 0 : Double(2 * truePositives) / Double(denominator)
    }
}

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

    /// A proportion of the counts, `successes` out of `trials`: its rate and its Wilson interval derive from the
    /// same two numbers.
    public struct Proportion: Sendable, Equatable {
        public let successes: Int
        public let trials: Int

        public var rate: Double { Double(successes) / Double(trials) }

        public func wilsonInterval(level: Double) throws -> Interval {
            try .wilson(successes: successes, trials: trials, level: level)
        }
    }

    /// Correct calls out of all images.
    public var accuracyProportion: Proportion { Proportion(successes: correct, trials: count) }
    /// True positives out of the positive images.
    public var sensitivityProportion: Proportion { Proportion(successes: truePositives, trials: positives) }
    /// True negatives out of the negative images.
    public var specificityProportion: Proportion { Proportion(successes: trueNegatives, trials: negatives) }
    /// True positives out of the images called positive.
    public var precisionProportion: Proportion { Proportion(successes: truePositives, trials: predictedPositives) }

    public var accuracy: Double { accuracyProportion.rate }

    /// Recall of the positive class (true positive rate). Throws without positives.
    public func sensitivity() throws -> Double {
        guard positives > 0 else { throw MetricsError.undefined(metric: "sensitivity", reason: "no positive images") }
        return sensitivityProportion.rate
    }

    /// Recall of the negative class (true negative rate). Throws without negatives.
    public func specificity() throws -> Double {
        guard negatives > 0 else { throw MetricsError.undefined(metric: "specificity", reason: "no negative images") }
        return specificityProportion.rate
    }

    /// The mean of sensitivity and specificity (scikit-learn's `balanced_accuracy_score` for two classes).
    public func balancedAccuracy() throws -> Double {
        (try sensitivity() + specificity()) / 2
    }

    /// Positive predictive value. With no image called positive it is 0, scikit-learn's `zero_division`
    /// default, so a collapsed model still gets a row in the table (its Wilson interval is then undefined).
    public var precision: Double {
        predictedPositives == 0 ? 0 : precisionProportion.rate
    }

    /// 2TP / (2TP + FP + FN), the harmonic mean of precision and recall written so it needs no special case
    /// when precision is 0/0; 0 when there is nothing to find and nothing was called positive (scikit-learn's
    /// `zero_division` default).
    public var f1: Double {
        let denominator = 2 * truePositives + falsePositives + falseNegatives
        return denominator == 0 ? 0 : Double(2 * truePositives) / Double(denominator)
    }
}

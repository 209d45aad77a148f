/// Everything a results table reports for one run on one test set, every interval at the bootstrap's level
/// (normally 0.95): the Codable summary the report writer serialises. Names say the metric and the interval's owner.
///
/// Intervals: Wilson for the proportions (accuracy, sensitivity, specificity, precision), DeLong for the
/// ROC AUC, the percentile bootstrap over images for the metrics without a closed-form variance
/// (balanced accuracy, F1, average precision). See docs/metrics.md.
public struct RunMetrics: Codable, Sendable, Equatable {
    public let images: Int
    public let positives: Int
    public let negatives: Int
    /// The threshold every thresholded metric used (chosen on validation, applied unchanged here).
    public let threshold: Threshold
    public let confusionMatrix: ConfusionMatrix

    public let accuracy: Double
    public let accuracyInterval: Interval
    public let balancedAccuracy: Double
    public let balancedAccuracyInterval: Interval
    public let sensitivity: Double
    public let sensitivityInterval: Interval
    public let specificity: Double
    public let specificityInterval: Interval
    /// 0 when no image was called positive (scikit-learn's convention); its interval is then nil.
    public let precision: Double
    public let precisionInterval: Interval?
    public let f1: Double
    public let f1Interval: Interval

    public let rocAUC: Double
    public let rocAUCStandardError: Double
    public let rocAUCInterval: Interval
    public let averagePrecision: Double
    public let averagePrecisionInterval: Interval

    /// The bootstrap behind the bootstrap intervals, and how many of its replicates drew one class only.
    public let bootstrap: Bootstrap
    public let bootstrapSkippedReplicates: Int

    /// Evaluates test predictions at a threshold chosen beforehand (normally `Threshold.choose(_:on:)` on
    /// validation). Throws `MetricsError.undefined` unless the test set holds at least two images of each class.
    public init(_ test: BinaryPredictions, threshold: Threshold, bootstrap: Bootstrap) throws {
        try test.requireBothClasses(for: "run summary")  // the root cause, before any metric fails on it
        let matrix = ConfusionMatrix(test, threshold: threshold)
        let deLong = try DeLong([test])
        let level = bootstrap.level
        images = test.count
        positives = test.positives
        negatives = test.negatives
        self.threshold = threshold
        confusionMatrix = matrix

        accuracy = matrix.accuracy
        accuracyInterval = try matrix.accuracyProportion.wilsonInterval(level: level)
        sensitivity = try matrix.sensitivity()
        sensitivityInterval = try matrix.sensitivityProportion.wilsonInterval(level: level)
        specificity = try matrix.specificity()
        specificityInterval = try matrix.specificityProportion.wilsonInterval(level: level)
        precision = matrix.precision
        precisionInterval = matrix.predictedPositives == 0 ? nil : try matrix.precisionProportion.wilsonInterval(level: level)
        f1 = matrix.f1
        balancedAccuracy = try matrix.balancedAccuracy()

        rocAUC = deLong.areas[0]
        rocAUCStandardError = deLong.covariance(0, 0).squareRoot()
        rocAUCInterval = try deLong.interval(level: level)
        averagePrecision = try PrecisionRecallCurve(test).averagePrecision

        let resampled = try bootstrap.intervals(of: Self.bootstrapped(at: threshold), on: test)
        balancedAccuracyInterval = resampled[0].interval
        f1Interval = resampled[1].interval
        averagePrecisionInterval = resampled[2].interval
        self.bootstrap = bootstrap
        bootstrapSkippedReplicates = resampled[0].skippedReplicates
    }

    /// The bootstrapped metrics of one replicate at `threshold`, in this order: balanced accuracy and F1 (both
    /// from one confusion matrix), average precision.
    static func bootstrapped(at threshold: Threshold) -> (BinaryPredictions) throws -> [Double] {
        { sample in
            let matrix = ConfusionMatrix(sample, threshold: threshold)
            return [try matrix.balancedAccuracy(), matrix.f1, try PrecisionRecallCurve(sample).averagePrecision]
        }
    }
}

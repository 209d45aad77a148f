/// How every run is scored, whichever engine trained it: the decision threshold chosen on validation by the
/// protocol's rule (the seed protocol keeps 0.5, the notebooks' argmax), then the test set scored once at it.
struct ScoredRun: Sendable {
    let threshold: Threshold
    /// nil when the test set cannot carry every metric (one class only); `metricsProblem` says why.
    let metrics: RunMetrics?
    let metricsProblem: String?

    /// - Parameter validation: computed only when the rule needs it.
    init(validation: @autoclosure () throws -> BinaryPredictions, test: BinaryPredictions, options: RunOptions) throws {
        switch options.benchProtocol {
        case .seed: threshold = .fixed
        case .clean: threshold = try Threshold.choose(options.thresholdRule, on: try validation())
        }
        do {
            metrics = try RunMetrics(test, threshold: threshold, bootstrap: options.bootstrap)
            metricsProblem = nil
        } catch {
            metrics = nil
            metricsProblem = "\(error)"
        }
    }
}

extension RunData {
    /// 1 for the positive class, 0 otherwise, for each image in order.
    func positiveLabels(_ images: [LabeledImage]) -> [Int] { images.map { $0.label == positiveClass ? 1 : 0 } }
}

import Tensor

/// One model's scores on a set of images with their true labels: the input of every per-run metric.
/// The score is the probability of the positive class (the softmax output's positive column); label 1 is
/// positive (tuberculosis, melanoma), 0 negative. Validated once here so no metric re-checks it.
public struct BinaryPredictions: Sendable, Equatable {
    public let scores: [Double]
    public let labels: [Int]
    public let positives: Int

    public var count: Int { scores.count }
    public var negatives: Int { count - positives }

    public init(scores: [Double], labels: [Int]) throws {
        guard scores.count == labels.count else {
            throw MetricsError.invalidInput("\(scores.count) scores but \(labels.count) labels")
        }
        guard !scores.isEmpty else { throw MetricsError.invalidInput("no images") }
        if let index = scores.firstIndex(where: { !$0.isFinite }) {
            throw MetricsError.invalidInput("score \(index) is \(scores[index])")
        }
        if let index = labels.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw MetricsError.invalidInput("label \(index) is \(labels[index]), not 0 or 1")
        }
        self.init(validated: scores, labels: labels)
    }

    /// Scores and labels already checked (a subset of validated predictions).
    private init(validated scores: [Double], labels: [Int]) {
        self.scores = scores
        self.labels = labels
        positives = labels.reduce(0, +)
    }

    /// From a model's (images, classes) softmax output: the score is column `positiveClass`.
    public init(probabilities: Tensor, labels: [Int], positiveClass: Int = 1) throws {
        guard probabilities.shape.count == 2, (0..<probabilities.shape[1]).contains(positiveClass) else {
            throw TensorError.shapeMismatch(operation: "BinaryPredictions",
                                            detail: "probabilities \(probabilities.shape) have no column \(positiveClass)")
        }
        let values = probabilities.toArray(), classes = probabilities.shape[1]
        try self.init(scores: (0..<probabilities.shape[0]).map { Double(values[$0 * classes + positiveClass]) }, labels: labels)
    }

    /// The images at `indices` (repeats allowed), as a bootstrap resample draws them.
    func subset(_ indices: [Int]) -> BinaryPredictions {
        BinaryPredictions(validated: indices.map { scores[$0] }, labels: indices.map { labels[$0] })
    }

    /// Throws unless both classes are present: AUC, DeLong and the curves' rates divide by both counts.
    func requireBothClasses(for metric: String) throws {
        guard positives > 0, negatives > 0 else {
            throw MetricsError.undefined(metric: metric, reason: "the labels hold only one class (\(positives) positive, \(negatives) negative)")
        }
    }
}

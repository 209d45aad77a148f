/// DeLong, DeLong and Clarke-Pearson (1988): the AUC as a Mann-Whitney statistic and its variance from
/// placement values, computed with Sun and Xu's (2014) fast algorithm, which reads every placement value
/// off three midrank vectors instead of comparing all m x n pairs.
///
/// For positives X_1..X_m and negatives Y_1..Y_n (score ties count 1/2):
///   V10(X_i) = fraction of negatives below X_i = (Z_i - T^X_i) / n
///   V01(Y_j) = fraction of positives above Y_j = 1 - (Z_(m+j) - T^Y_j) / m
/// where T^X, T^Y are the midranks within each class and Z the midranks in the pooled scores.
/// AUC = mean V10, and Var(AUC) = S10 / m + S01 / n with S10, S01 the sample (co)variances of the placements.
public struct DeLong: Sendable {
    /// Placement values per model (rows: models; each positive's, then each negative's).
    let positivePlacements: [[Double]]
    let negativePlacements: [[Double]]

    /// The scores of one or more models on the same images with the same labels.
    public init(_ models: [BinaryPredictions]) throws {
        guard let first = models.first else { throw MetricsError.invalidInput("DeLong needs at least one model") }
        guard models.allSatisfy({ $0.labels == first.labels }) else {
            throw MetricsError.invalidInput("DeLong compares models on the same images: their labels differ")
        }
        guard first.positives >= 2, first.negatives >= 2 else {
            throw MetricsError.undefined(metric: "DeLong variance",
                                         reason: "needs two images of each class for a sample variance (\(first.positives) positive, \(first.negatives) negative)")
        }
        var positivePlacements: [[Double]] = [], negativePlacements: [[Double]] = []
        for model in models {
            let positiveScores = zip(model.scores, model.labels).filter { $1 == 1 }.map(\.0)
            let negativeScores = zip(model.scores, model.labels).filter { $1 == 0 }.map(\.0)
            let m = Double(positiveScores.count), n = Double(negativeScores.count)
            let pooled = Self.midranks(positiveScores + negativeScores)
            let withinPositives = Self.midranks(positiveScores), withinNegatives = Self.midranks(negativeScores)
            positivePlacements.append(withinPositives.indices.map { (pooled[$0] - withinPositives[$0]) / n })
            negativePlacements.append(withinNegatives.indices.map {
                1 - (pooled[positiveScores.count + $0] - withinNegatives[$0]) / m
            })
        }
        self.positivePlacements = positivePlacements
        self.negativePlacements = negativePlacements
    }

    /// Each model's AUC, the mean of its positive placements.
    public var areas: [Double] { positivePlacements.map { $0.reduce(0, +) / Double($0.count) } }

    /// The covariance of models a and b's AUCs (the variance when a == b).
    public func covariance(_ a: Int, _ b: Int) -> Double {
        Self.sampleCovariance(positivePlacements[a], positivePlacements[b]) / Double(positivePlacements[a].count)
            + Self.sampleCovariance(negativePlacements[a], negativePlacements[b]) / Double(negativePlacements[a].count)
    }

    /// The plain normal interval AUC ± z sqrt(Var) of model `model`, clipped to [0, 1]: the interval pROC's
    /// `ci.auc(method = "delong")` reports, so the numbers compare with the papers that cite it. (The logit-scale
    /// interval covers better near 1 but is undefined at AUC = 1, where DeLong's variance is 0 anyway.)
    public func interval(model: Int = 0, level: Double = 0.95) throws -> Interval {
        try validateConfidenceLevel(level)
        let halfWidth = Distributions.normalCritical(level: level) * covariance(model, model).squareRoot()
        let area = areas[model]
        return Interval(lower: max(0, area - halfWidth), upper: min(1, area + halfWidth), level: level, method: .deLong)
    }

    /// 1-based ranks, ties sharing the mean of the ranks they span.
    static func midranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let midrank = Double(start + end) / 2 + 1
            for k in start...end { ranks[order[k]] = midrank }
            start = end + 1
        }
        return ranks
    }

    private static func sampleCovariance(_ x: [Double], _ y: [Double]) -> Double {
        let meanX = x.reduce(0, +) / Double(x.count), meanY = y.reduce(0, +) / Double(y.count)
        return zip(x, y).reduce(0) { $0 + ($1.0 - meanX) * ($1.1 - meanY) } / Double(x.count - 1)
    }
}

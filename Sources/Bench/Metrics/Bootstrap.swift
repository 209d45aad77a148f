/// The percentile bootstrap over images (Efron and Tibshirani 1993, ch. 13): draw the test images with
/// replacement, recompute the metric, and take the (1 - level)/2 and (1 + level)/2 quantiles of the
/// replicates. It needs no formula for the metric's variance, so it serves AP, F1 and balanced accuracy,
/// which have none in closed form. The threshold stays fixed: only the images are resampled.
///
/// Replicate r draws its images from `SeededGenerator(seed: seed, stream: [r])`, so a report can be
/// reproduced exactly and a replicate does not depend on the others. A replicate lacking either class is
/// skipped and counted: the per-class metrics are undefined on it (with tens of images per class this never
/// happens; a count above zero says the test set is too small for the interval).
public struct Bootstrap: Codable, Sendable, Equatable {
    public let replicates: Int
    public let seed: UInt64
    public let level: Double

    public init(replicates: Int = 2000, seed: UInt64 = 2019, level: Double = 0.95) throws {
        guard replicates >= 2 else { throw MetricsError.invalidInput("a bootstrap needs at least 2 replicates, not \(replicates)") }
        try validateConfidenceLevel(level)
        self.replicates = replicates
        self.seed = seed
        self.level = level
    }

    /// The image indices of replicate `replicate` for a set of `count` images.
    public func resample(_ replicate: Int, count: Int) -> [Int] {
        var generator = SeededGenerator(seed: seed, stream: [UInt64(replicate)])
        return (0..<count).map { _ in generator.index(below: count) }
    }

    public struct Result: Codable, Sendable, Equatable {
        public let interval: Interval
        /// Replicates that drew only one class and were left out.
        public let skippedReplicates: Int
    }

    /// The percentile interval of each value `metrics` returns, all on the same replicates (one resampling pass,
    /// one call per replicate, so the metrics can share their work on a replicate).
    public func intervals(of metrics: (BinaryPredictions) throws -> [Double], on predictions: BinaryPredictions) throws -> [Result] {
        var replicateValues: [[Double]] = []
        for replicate in 0..<replicates {
            let sample = predictions.subset(resample(replicate, count: predictions.count))
            guard sample.positives > 0, sample.negatives > 0 else { continue }
            replicateValues.append(try metrics(sample))
        }
        guard let first = replicateValues.first, replicateValues.count >= 2 else {
            throw MetricsError.undefined(metric: "bootstrap interval", reason: "fewer than 2 replicates held both classes")
        }
        return first.indices.map { index in
            let sorted = replicateValues.map { $0[index] }.sorted()
            let interval = Interval(lower: Self.quantile(sorted, (1 - level) / 2), upper: Self.quantile(sorted, (1 + level) / 2),
                                    level: level, method: .bootstrapPercentile)
            return Result(interval: interval, skippedReplicates: replicates - sorted.count)
        }
    }

    /// Quantile q of sorted values with linear interpolation between order statistics (Hyndman and Fan's
    /// type 7, numpy's default `percentile`), so the reference computes the same interval from the same replicates.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down)), fraction = position - Double(below)
        guard below + 1 < sorted.count else { return sorted[below] }
        return sorted[below] + fraction * (sorted[below + 1] - sorted[below])
    }
}

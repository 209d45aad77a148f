/// A ROC or precision-recall curve of a group of runs on a fixed grid, with a pointwise bootstrap band.
///
/// Each run's curve is read at a fixed grid of 101 x values (vertical averaging, Fawcett 2006 §8.1): the ROC
/// curve's true positive rate at false positive rates 0, 0.01, ..., 1 (linear between the curve's points, the
/// highest rate where the curve rises vertically), or the precision at recalls 0, 0.01, ..., 1 (the step function
/// whose area is the average precision: the precision of the highest threshold that reaches that recall). The
/// group's curve is the mean over its runs at each grid value.
///
/// The band resamples test images, not seeds: replicate r draws each run's test images with replacement
/// (`Bootstrap.resample`, the same seeded draws the metrics' intervals use), recomputes every run's curve, and
/// averages them; the band at each grid value is the percentile interval of the replicates there. A replicate in
/// which any run drew one class only is skipped (and counted). The band is pointwise, not a simultaneous band
/// for the whole curve.
struct CurveBand: Sendable {
    enum Kind: Sendable {
        case roc
        case precisionRecall
    }

    let grid: [Double]
    let mean: [Double]
    let lower: [Double]
    let upper: [Double]
    /// Each run's own curve on the grid (the thin lines).
    let runs: [[Double]]
    let skippedReplicates: Int

    static let grid: [Double] = (0...100).map { Double($0) / 100 }

    init(_ kind: Kind, of predictions: [BinaryPredictions], bootstrap: Bootstrap) throws {
        guard !predictions.isEmpty else { throw MetricsError.invalidInput("a curve band needs at least one run") }
        let grid = Self.grid
        func curve(_ sample: BinaryPredictions) throws -> [Double] {
            switch kind {
            case .roc: try Self.truePositiveRates(ROCCurve(sample), at: grid)
            case .precisionRecall: try Self.precisions(PrecisionRecallCurve(sample), at: grid)
            }
        }
        func average(_ curves: [[Double]]) -> [Double] {
            grid.indices.map { index in curves.reduce(0) { $0 + $1[index] } / Double(curves.count) }
        }
        let runs = try predictions.map(curve)
        var replicates: [[Double]] = []
        for replicate in 0..<bootstrap.replicates {
            let samples = predictions.map { $0.subset(bootstrap.resample(replicate, count: $0.count)) }
            guard samples.allSatisfy({ $0.positives > 0 && $0.negatives > 0 }) else { continue }
            replicates.append(average(try samples.map(curve)))
        }
        guard replicates.count >= 2 else {
            throw MetricsError.undefined(metric: "curve band", reason: "fewer than 2 bootstrap replicates held both classes")
        }
        self.grid = grid
        self.runs = runs
        mean = average(runs)
        let columns = grid.indices.map { index in replicates.map { $0[index] }.sorted() }
        lower = columns.map { Bootstrap.quantile($0, (1 - bootstrap.level) / 2) }
        upper = columns.map { Bootstrap.quantile($0, (1 + bootstrap.level) / 2) }
        skippedReplicates = bootstrap.replicates - replicates.count
    }

    /// The ROC curve's true positive rate at each false positive rate of `grid` (increasing).
    static func truePositiveRates(_ curve: ROCCurve, at grid: [Double]) -> [Double] {
        let fpr = curve.falsePositiveRates, tpr = curve.truePositiveRates
        var k = 0
        return grid.map { f in
            while k + 1 < fpr.count && fpr[k + 1] <= f { k += 1 }  // the last point at or left of f: highest TPR there
            guard k + 1 < fpr.count, fpr[k] < f else { return tpr[k] }
            let t = (f - fpr[k]) / (fpr[k + 1] - fpr[k])
            return tpr[k] + t * (tpr[k + 1] - tpr[k])
        }
    }

    /// The precision of the highest threshold whose recall reaches each recall of `grid`.
    static func precisions(_ curve: PrecisionRecallCurve, at grid: [Double]) -> [Double] {
        // From the highest threshold down: the curve's points in reverse (recall increasing).
        let recalls = Array(curve.recalls.reversed()), precisions = Array(curve.precisions.reversed())
        return grid.map { r in
            let index = recalls.firstIndex { $0 >= r - 1e-12 } ?? recalls.count - 1
            return precisions[index]
        }
    }
}

/// One metric across runs (seeds or folds): mean, sample standard deviation, and the Student t interval of
/// the mean, mean ± t_((1+level)/2, k-1) s / sqrt(k). The interval is for the mean over training runs (what
/// another seed would give on average), not for a single run; it assumes the runs are independent draws.
public struct RunStatistics: Codable, Sendable, Equatable {
    public let values: [Double]
    public let mean: Double
    /// With divisor k - 1.
    public let standardDeviation: Double
    public let meanInterval: Interval

    public init(_ values: [Double], level: Double = 0.95) throws {
        try validateConfidenceLevel(level)
        guard values.count >= 2 else {
            throw MetricsError.undefined(metric: "standard deviation across runs", reason: "\(values.count) run(s); it needs at least 2")
        }
        guard values.allSatisfy(\.isFinite) else { throw MetricsError.invalidInput("a run's value is not finite: \(values)") }
        let k = Double(values.count)
        let mean = values.reduce(0, +) / k
        let deviation = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (k - 1)).squareRoot()
        let halfWidth = Distributions.studentTCritical(level: level, degrees: k - 1) * deviation / k.squareRoot()
        self.values = values
        self.mean = mean
        standardDeviation = deviation
        meanInterval = Interval(lower: mean - halfWidth, upper: mean + halfWidth, level: level, method: .studentT)
    }
}

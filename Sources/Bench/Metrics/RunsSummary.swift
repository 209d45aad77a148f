/// Each headline metric across runs of one configuration (seeds or folds), for the "mean ± sd [t interval]"
/// row of a table. Serialised beside the per-run `RunMetrics` it is computed from.
public struct RunsSummary: Codable, Sendable, Equatable {
    public let runs: Int
    public let accuracy: RunStatistics
    public let balancedAccuracy: RunStatistics
    public let sensitivity: RunStatistics
    public let specificity: RunStatistics
    public let precision: RunStatistics
    public let f1: RunStatistics
    public let rocAUC: RunStatistics
    public let averagePrecision: RunStatistics

    /// Throws with fewer than two runs: a standard deviation needs two.
    public init(_ runs: [RunMetrics], level: Double = 0.95) throws {
        func statistics(_ metric: (RunMetrics) -> Double) throws -> RunStatistics {
            try RunStatistics(runs.map(metric), level: level)
        }
        self.runs = runs.count
        accuracy = try statistics(\.accuracy)
        balancedAccuracy = try statistics(\.balancedAccuracy)
        sensitivity = try statistics(\.sensitivity)
        specificity = try statistics(\.specificity)
        precision = try statistics(\.precision)
        f1 = try statistics(\.f1)
        rocAUC = try statistics(\.rocAUC)
        averagePrecision = try statistics(\.averagePrecision)
    }
}

/// A two-sided confidence interval, with the method that made it so a table can say what it cites.
public struct Interval: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable {
        /// Wilson score interval of a proportion.
        case wilson
        /// Normal interval from DeLong's variance of the AUC, on the AUC scale, clipped to [0, 1].
        case deLong
        /// Percentile bootstrap over images.
        case bootstrapPercentile
        /// Student t interval of a mean over runs (seeds or folds).
        case studentT
    }

    public let lower: Double
    public let upper: Double
    /// The coverage asked for, e.g. 0.95.
    public let level: Double
    public let method: Method

    public init(lower: Double, upper: Double, level: Double, method: Method) {
        self.lower = lower
        self.upper = upper
        self.level = level
        self.method = method
    }
}

/// Checks a confidence level before any quantile is taken from it.
func validateConfidenceLevel(_ level: Double) throws {
    guard level > 0, level < 1 else { throw MetricsError.invalidInput("confidence level \(level) is not in (0, 1)") }
}

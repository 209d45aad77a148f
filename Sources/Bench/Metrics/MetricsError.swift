/// Why a metric could not be computed. A metric that is undefined on the data (an AUC without negatives,
/// a variance from one run) is an error naming the metric and the reason, never a silent NaN, so a
/// published table cannot carry a number nobody can interpret.
public enum MetricsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The inputs themselves are unusable: mismatched lengths, no images, a non-finite score, a label not 0 or 1.
    case invalidInput(String)
    /// The inputs are valid but the metric has no value on them.
    case undefined(metric: String, reason: String)

    public var description: String {
        switch self {
        case .invalidInput(let problem): "invalid metric input: \(problem)"
        case .undefined(let metric, let reason): "\(metric) is undefined: \(reason)"
        }
    }
}

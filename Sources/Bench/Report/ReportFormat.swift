import Foundation

/// How numbers read in the human tables (Markdown, HTML) and in the CSV files. People get 3 decimals and
/// intervals as [a, b]; machines get Swift's shortest round-trip representation, which parses back to the same double.
enum ReportFormat {
    static func metric(_ value: Double) -> String { fixed(value, decimals: 3) }

    static func interval(_ interval: Interval) -> String { "[\(metric(interval.lower)), \(metric(interval.upper))]" }

    static func metric(_ value: Double, _ interval: Interval?) -> String {
        interval.map { "\(metric(value)) \(self.interval($0))" } ?? metric(value)
    }

    /// "0.850 ± 0.021 [0.812, 0.888]": mean ± SD across runs, then the t interval of the mean.
    static func acrossRuns(_ statistics: RunStatistics) -> String {
        "\(metric(statistics.mean)) ± \(metric(statistics.standardDeviation)) \(interval(statistics.meanInterval))"
    }

    /// p-values to 3 significant digits, with a floor so a tiny value does not print as 0.
    static func pValue(_ p: Double) -> String { p < 0.001 ? "<0.001" : fixed(p, decimals: 3) }

    static func seconds(_ value: Double) -> String { value < 10 ? "\(fixed(value, decimals: 2)) s" : "\(fixed(value, decimals: 1)) s" }

    static func milliseconds(_ value: Double) -> String { fixed(value, decimals: 1) }

    static func ratio(_ value: Double) -> String { "\(fixed(value, decimals: 2))×" }

    /// Locale-independent fixed-point text (String(format:) without a locale is POSIX).
    static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        let text = String(format: "%.\(decimals)f", value)
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
    }

    /// Full precision for CSV; empty for a missing value.
    static func machine(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }

    static func machine(_ value: Int?) -> String { value.map { "\($0)" } ?? "" }
}

import Foundation

/// The 1, 5 and 15 minute load averages (/proc/loadavg), which belong beside every speed measured on a machine that
/// other processes share; nil where the file is missing.
public enum LoadAverage {
    public static var current: [Double]? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        let values = text.split(separator: " ").prefix(3).compactMap { Double($0) }
        return values.count == 3 ? values : nil
    }

    public static func text(_ values: [Double]?) -> String {
        values.map { $0.map { String(format: "%.2f", $0) }.joined(separator: " / ") } ?? "unknown"
    }
}

import Foundation

/// Two report folders' tables, cell for cell, without the cells that measure time or the machine's state: what a
/// plan run as shards must share with the same sweep run in one process (docs/sweeps.md).
enum ReportTablesComparison {
    /// Columns that differ from run to run of the same sweep (wall times, latencies, peak memory), by header.
    static let accuracyTimings: Set<String> = ["Wall time", "wall_seconds", "feature_caching_seconds", "mean_epoch_seconds"]
    /// The latency tables are all timings but for which models they list.
    static let latencyKept: Set<String> = ["Model", "Input", "Engine", "model", "input_size", "engine"]

    /// Every difference, one line each, naming the file and the place; empty when the tables agree.
    static func differences(_ expected: URL, _ actual: URL) throws -> [String] {
        func read(_ directory: URL, _ name: String) throws -> String {
            try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        }
        var differences: [String] = []
        for (name, keep) in [("accuracy.md", { !accuracyTimings.contains($0) }), ("latency.md", { latencyKept.contains($0) })] as [(String, (String) -> Bool)] {
            differences += compare(name, markdownTables(try read(expected, name), keep: keep), markdownTables(try read(actual, name), keep: keep))
        }
        for (name, keep) in [("accuracy.csv", { !accuracyTimings.contains($0) }), ("latency.csv", { latencyKept.contains($0) })] as [(String, (String) -> Bool)] {
            differences += compare(name, csvRows(try read(expected, name), keep: keep), csvRows(try read(actual, name), keep: keep))
        }
        return differences
    }

    static func compare(_ file: String, _ expected: [String], _ actual: [String]) -> [String] {
        var differences = zip(expected, actual).enumerated().compactMap { index, pair in
            pair.0 == pair.1 ? nil : "\(file), line \(index + 1) of the compared lines:\n  one process: \(pair.0)\n  shards:      \(pair.1)"
        }
        if expected.count != actual.count { differences.append("\(file): \(expected.count) compared lines in one process, \(actual.count) from the shards") }
        return differences
    }

    /// The Markdown from the first table title on (above it: the line naming the machine), each table row with the
    /// columns `keep` rejects removed.
    static func markdownTables(_ text: String, keep: (String) -> Bool) -> [String] {
        var lines: [String] = [], kept: [Bool]? = nil, started = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            started = started || line.hasPrefix("## ")
            guard started else { continue }
            guard line.hasPrefix("|") else { kept = nil; lines.append(line); continue }
            // Cells split on pipes that are not escaped (notes escape theirs).
            let cells = line.replacingOccurrences(of: "\\|", with: "\u{1}").split(separator: "|", omittingEmptySubsequences: false)
                .dropFirst().dropLast().map { $0.trimmingCharacters(in: .whitespaces) }
            let mask = kept ?? cells.map(keep)
            kept = mask
            lines.append(zip(cells, mask).filter(\.1).map(\.0).joined(separator: " | "))
        }
        return lines
    }

    /// RFC 4180 rows with the columns `keep` rejects (by header) removed. A doubled quote inside a quoted field
    /// reads as nothing: both sides are read alike, which is all a comparison needs.
    static func csvRows(_ text: String, keep: (String) -> Bool) -> [String] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        for character in text {
            switch (character, quoted) {
            case ("\"", _): quoted.toggle()
            case (",", false): row.append(field); field = ""
            case ("\r\n", false), ("\n", false): row.append(field); rows.append(row); row = []; field = ""
            default: field.append(character)
            }
        }
        guard let header = rows.first else { return [] }
        let mask = header.map(keep)
        return rows.map { zip($0, mask).filter(\.1).map(\.0).joined(separator: ",") }
    }
}

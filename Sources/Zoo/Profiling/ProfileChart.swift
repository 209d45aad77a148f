import Ceilings
import Foundation

/// The SVG bar chart of a profile: one horizontal bar per step in execution order, its length the step's median
/// time, its colour the ceiling that bounds it, with a dark mark at the time that ceiling allows, so the gap between
/// mark and bar end is what there is to win.
public enum ProfileChart {
    public static func svg(_ report: ProfileReport) -> String {
        let rows = report.rows
        let barHeight = 14.0, gap = 3.0, top = 70.0, labelWidth = 260.0, plotWidth = 560.0, valueWidth = 150.0
        let width = labelWidth + plotWidth + valueWidth + 20, height = top + Double(rows.count) * (barHeight + gap) + 40
        let longest = max(rows.map(\.step.milliseconds).max() ?? 1, 1e-6)
        func x(_ milliseconds: Double) -> Double { labelWidth + plotWidth * milliseconds / longest }
        let colour: [ModelProfile.Bound: String] = [.compute: "#d95f02", .memory: "#1b9e77"]
        var parts = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"10\" y=\"20\" font-size=\"13\">\(escape(report.heading[0]))</text>",
            "<text x=\"10\" y=\"38\" fill=\"#555\">\(escape(report.profile.ceilings.summary)); load average \(LoadAverage.text(report.loadAverage))</text>",
            "<rect x=\"10\" y=\"48\" width=\"12\" height=\"10\" fill=\"\(colour[.compute]!)\"/><text x=\"26\" y=\"57\">compute-bound (FLOPs at the FMA peak)</text>",
            "<rect x=\"260\" y=\"48\" width=\"12\" height=\"10\" fill=\"\(colour[.memory]!)\"/><text x=\"276\" y=\"57\">memory-bound (bytes at the copy bandwidth)</text>",
            "<rect x=\"520\" y=\"48\" width=\"3\" height=\"10\" fill=\"#222\"/><text x=\"528\" y=\"57\">the time the ceiling allows</text>",
        ]
        for (position, row) in rows.enumerated() {
            let y = top + Double(position) * (barHeight + gap)
            let label = row.step.name.count > 38 ? String(row.step.name.prefix(37)) + "…" : row.step.name
            parts.append("<text x=\"\(labelWidth - 6)\" y=\"\(format(y + barHeight - 3))\" text-anchor=\"end\">\(escape(label))</text>")
            parts.append("<rect x=\"\(labelWidth)\" y=\"\(format(y))\" width=\"\(format(max(x(row.step.milliseconds) - labelWidth, 0.5)))\" "
                         + "height=\"\(barHeight)\" fill=\"\(colour[row.bound]!)\"><title>\(escape(row.step.operation))</title></rect>")
            parts.append("<rect x=\"\(format(min(x(row.floorMilliseconds), labelWidth + plotWidth)))\" y=\"\(format(y))\" width=\"2\" height=\"\(barHeight)\" fill=\"#222\"/>")
            parts.append("<text x=\"\(format(x(row.step.milliseconds) + 4))\" y=\"\(format(y + barHeight - 3))\">"
                         + String(format: "%.2f ms, %.0f%% of ceiling", row.step.milliseconds, 100 * row.ceilingShare) + "</text>")
        }
        parts.append("<text x=\"\(labelWidth)\" y=\"\(format(height - 12))\" fill=\"#555\">median time per step (ms); longest \(String(format: "%.2f", longest)) ms</text>")
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

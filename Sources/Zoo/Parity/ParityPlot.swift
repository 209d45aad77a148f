import Foundation

/// The SVG figure of a parity check: normalised error (log scale) against layer depth, one line per
/// case, with the tolerance as a dashed line, so where error grows and where it jumps is visible at once.
public enum ParityPlot {
    public static func svg(_ check: ParityCheck, title: String) -> String {
        let width = 900.0, height = 420.0
        let left = 70.0, right = 20.0, top = 40.0, bottom = 50.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        // Exact zeros and failures to compare are drawn at the floor and ceiling of the axis.
        let finite = check.cases.flatMap(\.layers).map(\.normalisedError).filter { $0.isFinite && $0 > 0 }
        let lowest = floor(log10(min(finite.min() ?? 1e-9, check.tolerance / 10)))
        let highest = ceil(log10(max(finite.max() ?? 1, check.tolerance * 10)))
        let maxDepth = Double(check.cases.flatMap(\.layers).map(\.depth).max() ?? 1)
        func x(_ depth: Int) -> Double { left + plotWidth * Double(depth - 1) / max(maxDepth - 1, 1) }
        func y(_ error: Double) -> Double {
            let exponent = error.isFinite ? (error > 0 ? log10(error) : lowest) : highest
            return top + plotHeight * (highest - min(max(exponent, lowest), highest)) / (highest - lowest)
        }
        let colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
                   "<text x=\"\(width / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">\(escape(title))</text>"]
        for exponent in stride(from: Int(lowest), through: Int(highest), by: 1) {
            let position = y(pow(10, Double(exponent)))
            svg.append("<line x1=\"\(left)\" y1=\"\(position)\" x2=\"\(width - right)\" y2=\"\(position)\" stroke=\"#e5e5e5\"/>")
            svg.append("<text x=\"\(left - 6)\" y=\"\(position + 4)\" text-anchor=\"end\">1e\(exponent)</text>")
        }
        svg.append("<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotHeight)\" stroke=\"black\"/>")
        svg.append("<line x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(width - right)\" y2=\"\(top + plotHeight)\" stroke=\"black\"/>")
        svg.append("<text x=\"\(left + plotWidth / 2)\" y=\"\(height - 12)\" text-anchor=\"middle\">layer depth (execution order)</text>")
        svg.append("<text transform=\"translate(16 \(top + plotHeight / 2)) rotate(-90)\" text-anchor=\"middle\">max |Δ| / max |ref|</text>")
        let tolerance = y(check.tolerance)
        svg.append("<line x1=\"\(left)\" y1=\"\(tolerance)\" x2=\"\(width - right)\" y2=\"\(tolerance)\" stroke=\"black\" stroke-dasharray=\"6 4\"/>")
        svg.append("<text x=\"\(width - right - 4)\" y=\"\(tolerance - 5)\" text-anchor=\"end\">tolerance \(ParityReport.number(check.tolerance))</text>")
        for (index, result) in check.cases.enumerated() {
            let colour = colours[index % colours.count]
            let points = result.layers.map { "\(x($0.depth)),\(y($0.normalisedError))" }.joined(separator: " ")
            svg.append("<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" points=\"\(points)\"/>")
            if let first = result.layers.first(where: { $0.layer == result.firstFailingLayer }) {
                svg.append("<circle cx=\"\(x(first.depth))\" cy=\"\(y(first.normalisedError))\" r=\"4\" fill=\"\(colour)\"><title>first failing: \(escape(first.layer))</title></circle>")
            }
            svg.append("<text x=\"\(left + 10)\" y=\"\(top + 16 + 16 * Double(index))\" fill=\"\(colour)\">\(escape(result.name))</text>")
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

import Foundation

/// The SVG figure of a parity check: normalised error (log scale) against position, layer depth for the forward
/// check (one line per case) or backward order for the gradients, with the tolerance as a dashed line, so where
/// error grows and where it jumps is visible at once.
public enum ParityPlot {
    /// One line of the figure: its points (x from 1, normalised error), and the first failing point to mark.
    struct Series {
        let name: String
        let points: [(x: Int, error: Double)]
        let firstFailing: (x: Int, error: Double, name: String)?
    }

    public static func svg(_ check: ParityCheck, title: String) -> String {
        let series = check.cases.map { result in
            Series(name: result.name, points: result.layers.map { ($0.depth, $0.normalisedError) },
                   firstFailing: result.layers.first { $0.layer == result.firstFailingLayer }.map { ($0.depth, $0.normalisedError, $0.layer) })
        }
        return svg(series, tolerance: check.tolerance, title: title, axis: "layer depth (execution order)")
    }

    public static func svg(_ check: GradientParityCheck, title: String) -> String {
        let points = check.rows.enumerated().map { (x: $0.offset + 1, error: $0.element.discrepancy.normalisedError) }
        let first = check.rows.firstIndex { $0.name == check.firstFailing?.name }
        let series = Series(name: "gradients", points: points,
                            firstFailing: first.map { ($0 + 1, check.rows[$0].discrepancy.normalisedError, check.rows[$0].name) })
        return svg([series], tolerance: check.tolerance, title: title, axis: "gradient, in backward order (output layer first)")
    }

    private static func svg(_ series: [Series], tolerance limit: Double, title: String, axis: String) -> String {
        let width = 900.0, height = 420.0
        let left = 70.0, right = 20.0, top = 40.0, bottom = 50.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        // Exact zeros and failures to compare are drawn at the floor and ceiling of the axis.
        let finite = series.flatMap(\.points).map(\.error).filter { $0.isFinite && $0 > 0 }
        let lowest = floor(log10(min(finite.min() ?? 1e-9, limit / 10)))
        let highest = ceil(log10(max(finite.max() ?? 1, limit * 10)))
        let maxDepth = Double(series.flatMap(\.points).map(\.x).max() ?? 1)
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
        svg.append("<text x=\"\(left + plotWidth / 2)\" y=\"\(height - 12)\" text-anchor=\"middle\">\(escape(axis))</text>")
        svg.append("<text transform=\"translate(16 \(top + plotHeight / 2)) rotate(-90)\" text-anchor=\"middle\">max |Δ| / max |ref|</text>")
        let tolerance = y(limit)
        svg.append("<line x1=\"\(left)\" y1=\"\(tolerance)\" x2=\"\(width - right)\" y2=\"\(tolerance)\" stroke=\"black\" stroke-dasharray=\"6 4\"/>")
        svg.append("<text x=\"\(width - right - 4)\" y=\"\(tolerance - 5)\" text-anchor=\"end\">tolerance \(ParityReport.number(limit))</text>")
        for (index, line) in series.enumerated() {
            let colour = colours[index % colours.count]
            let points = line.points.map { "\(x($0.x)),\(y($0.error))" }.joined(separator: " ")
            svg.append("<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" points=\"\(points)\"/>")
            if let first = line.firstFailing {
                svg.append("<circle cx=\"\(x(first.x))\" cy=\"\(y(first.error))\" r=\"4\" fill=\"\(colour)\"><title>first failing: \(escape(first.name))</title></circle>")
            }
            svg.append("<text x=\"\(left + 10)\" y=\"\(top + 16 + 16 * Double(index))\" fill=\"\(colour)\">\(escape(line.name))</text>")
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

import Foundation

/// The SVG figure of a parity check: normalised error (log scale) against position, layer depth for the forward
/// check (one line per case) or backward order for the gradients, with the tolerance as a dashed line, so where
/// error grows and where it jumps is visible at once. The x axis names every Nth layer (or gradient); an exact zero
/// (a layer computed bit for bit as Keras does, such as a max pool) sits on a row of its own marked 0 below the log
/// scale, not on its floor, where it would read as an error of 1e-9.
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
        let names = Dictionary(check.cases.flatMap(\.layers).map { ($0.depth, $0.layer) }, uniquingKeysWith: { first, _ in first })
        return svg(series, names: names, tolerance: check.tolerance, title: title, axis: "layer, in execution order")
    }

    public static func svg(_ check: GradientParityCheck, title: String) -> String {
        let points = check.rows.enumerated().map { (x: $0.offset + 1, error: $0.element.discrepancy.normalisedError) }
        let first = check.rows.firstIndex { $0.name == check.firstFailing?.name }
        let series = Series(name: "gradients", points: points,
                            firstFailing: first.map { ($0 + 1, check.rows[$0].discrepancy.normalisedError, check.rows[$0].name) })
        let names = Dictionary(uniqueKeysWithValues: check.rows.enumerated().map { ($0.offset + 1, $0.element.name) })
        return svg([series], names: names, tolerance: check.tolerance, title: title, axis: "gradient, in backward order (output layer first)")
    }

    /// `names`: what each x position is (a layer, a gradient), for the axis labels.
    private static func svg(_ series: [Series], names: [Int: String], tolerance limit: Double, title: String, axis: String) -> String {
        let width = 900.0, height = 496.0
        let left = 70.0, right = 70.0, top = 56.0, bottom = 130.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let errors = series.flatMap(\.points).map(\.error)
        let finite = errors.filter { $0.isFinite && $0 > 0 }
        let lowest = floor(log10(min(finite.min() ?? 1e-9, limit / 10)))
        let highest = ceil(log10(max(finite.max() ?? 1, limit * 10)))
        // The log scale ends a band above the axis when there are exact zeros; the zero row sits in that band.
        let zeroBand = errors.contains(0) ? 24.0 : 0
        let logHeight = plotHeight - zeroBand
        let maxDepth = Double(series.flatMap(\.points).map(\.x).max() ?? 1)
        func x(_ depth: Int) -> Double { left + plotWidth * Double(depth - 1) / max(maxDepth - 1, 1) }
        func y(_ error: Double) -> Double {
            if error == 0 { return top + plotHeight - zeroBand / 2 }
            // A failure to compare (not finite) is drawn at the ceiling.
            let exponent = error.isFinite ? log10(error) : highest
            return top + logHeight * (highest - min(max(exponent, lowest), highest)) / (highest - lowest)
        }
        let colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
                   "<text x=\"\(width / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">\(escape(title))</text>"]
        // At most about 12 labelled decades, so a range down to 1e-25 stays readable.
        let decadeStep = max(1, Int(((highest - lowest) / 12).rounded(.up)))
        for exponent in stride(from: Int(highest), through: Int(lowest), by: -decadeStep) {
            let position = y(pow(10, Double(exponent)))
            svg.append("<line x1=\"\(left)\" y1=\"\(position)\" x2=\"\(width - right)\" y2=\"\(position)\" stroke=\"#e5e5e5\"/>")
            svg.append("<text x=\"\(left - 6)\" y=\"\(position + 4)\" text-anchor=\"end\">1e\(exponent)</text>")
        }
        if zeroBand > 0 {
            let zero = y(0)
            svg.append("<line x1=\"\(left)\" y1=\"\(zero)\" x2=\"\(width - right)\" y2=\"\(zero)\" stroke=\"#e5e5e5\"/>")
            svg.append("<text x=\"\(left - 6)\" y=\"\(zero + 4)\" text-anchor=\"end\">0 (exact)</text>")
            // The break between the log scale and the zero row.
            svg.append("<line x1=\"\(left - 5)\" y1=\"\(top + logHeight + 7)\" x2=\"\(left + 5)\" y2=\"\(top + logHeight + 3)\" stroke=\"black\"/>")
        }
        svg.append("<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotHeight)\" stroke=\"black\"/>")
        svg.append("<line x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(width - right)\" y2=\"\(top + plotHeight)\" stroke=\"black\"/>")
        // About 30 names fit slanted under the axis; with more positions every Nth is named.
        let every = max(1, Int((maxDepth / 30).rounded(.up)))
        for position in stride(from: 1, through: Int(maxDepth), by: every) {
            guard let name = names[position] else { continue }
            let tick = x(position), base = top + plotHeight
            svg.append("<line x1=\"\(tick)\" y1=\"\(base)\" x2=\"\(tick)\" y2=\"\(base + 4)\" stroke=\"black\"/>")
            svg.append("<text transform=\"translate(\(tick + 3) \(base + 10)) rotate(40)\" font-size=\"10\">\(escape(String(name.prefix(24))))</text>")
        }
        svg.append("<text x=\"\(left + plotWidth / 2)\" y=\"\(height - 8)\" text-anchor=\"middle\">\(escape(axis))</text>")
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
            // The legend is a row above the plot, where no line or label can cross it.
            svg.append("<text x=\"\(left + 110 * Double(index))\" y=\"\(top - 14)\" fill=\"\(colour)\">\(escape(String(line.name.prefix(16))))</text>")
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

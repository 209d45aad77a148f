import Foundation

/// The few SVG pieces the plots draw with, written by hand: no dependencies, and the same input gives the same
/// bytes (coordinates rounded to 0.01 px, fixed palette, no timestamps), so a plot diffs cleanly between reports.
enum SVG {
    /// Colour-blind-safe (Okabe and Ito 2008), in the order series take them.
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

    static func color(_ index: Int) -> String { palette[index % palette.count] }

    static func number(_ value: Double) -> String { ReportFormat.fixed(value, decimals: 2) }

    /// A whole document of `width` × `height` with a title element (what screen readers and browsers show).
    static func document(width: Double, height: Double, title: String, body: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(number(width))" height="\(number(height))" \
        viewBox="0 0 \(number(width)) \(number(height))" font-family="sans-serif" font-size="12" role="img">
        <title>\(HTML.escape(title))</title>
        <rect width="100%" height="100%" fill="#ffffff"/>
        \(body)</svg>

        """
    }

    static func text(_ content: String, x: Double, y: Double, anchor: String = "middle", size: Double = 12,
                     weight: String = "normal", rotate: Bool = false) -> String {
        let transform = rotate ? " transform=\"rotate(-90 \(number(x)) \(number(y)))\"" : ""
        return "<text x=\"\(number(x))\" y=\"\(number(y))\" text-anchor=\"\(anchor)\" font-size=\"\(number(size))\" "
            + "font-weight=\"\(weight)\"\(transform)>\(HTML.escape(content))</text>\n"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dashed: Bool = false) -> String {
        "<line x1=\"\(number(x1))\" y1=\"\(number(y1))\" x2=\"\(number(x2))\" y2=\"\(number(y2))\" stroke=\"\(stroke)\" "
            + "stroke-width=\"\(number(width))\"\(dashed ? " stroke-dasharray=\"6 4\"" : "")/>\n"
    }

    static func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, dashed: Bool = false) -> String {
        "<polyline class=\"series\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(number(width))\""
            + "\(dashed ? " stroke-dasharray=\"6 4\"" : "") points=\"\(points.map { "\(number($0.0)),\(number($0.1))" }.joined(separator: " "))\"/>\n"
    }

    static func polygon(_ points: [(Double, Double)], fill: String, opacity: Double) -> String {
        "<polygon class=\"band\" fill=\"\(fill)\" fill-opacity=\"\(number(opacity))\" stroke=\"none\" "
            + "points=\"\(points.map { "\(number($0.0)),\(number($0.1))" }.joined(separator: " "))\"/>\n"
    }

    static func rect(x: Double, y: Double, width: Double, height: Double, fill: String, label: String? = nil) -> String {
        let tooltip = label.map { "<title>\(HTML.escape($0))</title>" } ?? ""
        return "<rect class=\"bar\" x=\"\(number(x))\" y=\"\(number(y))\" width=\"\(number(width))\" height=\"\(number(height))\" "
            + "fill=\"\(fill)\">\(tooltip)</rect>\n"
    }
}

/// Round tick positions covering a range: steps of 1, 2 or 5 times a power of ten, about `target` of them.
struct Ticks: Sendable {
    let values: [Double]
    let step: Double

    init(_ low: Double, _ high: Double, target: Int = 5) {
        let span = high > low ? high - low : 1
        let raw = span / Double(max(target, 1))
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var values: [Double] = []
        var k = (low / step).rounded(.up)
        while k * step <= high + step * 1e-9 {
            values.append(k * step)
            k += 1
        }
        self.values = values
        self.step = step
    }

    /// A tick's label with as many decimals as the step needs.
    func label(_ value: Double) -> String {
        ReportFormat.fixed(value, decimals: max(0, Int(-log10(step).rounded(.down))))
    }
}

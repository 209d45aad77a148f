/// A line chart in one panel: axes with ticks and labels, a title, a legend, lines (solid or dashed) and shaded
/// bands (a lower and an upper curve over the same x). Learning curves, the learning-rate trace and the ROC and
/// precision-recall curves are all `LinePlot`s.
struct LinePlot: Sendable {
    struct Series: Sendable {
        let name: String
        let points: [(x: Double, y: Double)]
        let color: String
        var dashed = false
        var width = 2.0
    }

    struct Band: Sendable {
        let name: String
        let x: [Double]
        let lower: [Double]
        let upper: [Double]
        let color: String
    }

    let title: String
    let xLabel: String
    let yLabel: String
    var series: [Series]
    var bands: [Band] = []
    /// Fixed ranges (e.g. [0, 1] for rates); nil fits the data.
    var xRange: ClosedRange<Double>? = nil
    var yRange: ClosedRange<Double>? = nil
    /// Where the legend sits: the corner the curves leave empty (bottom right for rising curves such as ROC and accuracy).
    enum Corner: Sendable { case topRight, bottomRight, bottomLeft }
    var legendCorner = Corner.topRight
    /// A grey dashed reference line from (x1, y1) to (x2, y2), e.g. the chance diagonal of a ROC plot.
    var reference: (Double, Double, Double, Double)? = nil

    static let width = 560.0, height = 400.0
    // Room on the left for tick labels as long as "0.00010" beside the rotated axis label.
    private static let left = 80.0, right = 16.0, top = 36.0, bottom = 52.0

    /// A standalone document holding panels side by side, each `width` × `height`.
    static func document(title: String, panels: [LinePlot]) -> String {
        let body = panels.enumerated().map { index, panel in
            "<g class=\"panel\" transform=\"translate(\(SVG.number(Double(index) * width)),0)\">\n\(panel.body)</g>\n"
        }.joined()
        return SVG.document(width: width * Double(panels.count), height: height, title: title, body: body)
    }

    /// The panel's elements in its own width × height box.
    var body: String {
        let xs = series.flatMap { $0.points.map(\.x) } + bands.flatMap(\.x)
        let ys = series.flatMap { $0.points.map(\.y) } + bands.flatMap { $0.lower + $0.upper }
        let xDomain = xRange ?? Self.padded(xs)
        let yDomain = yRange ?? Self.padded(ys)
        let plotWidth = Self.width - Self.left - Self.right, plotHeight = Self.height - Self.top - Self.bottom
        func px(_ x: Double) -> Double { Self.left + (x - xDomain.lowerBound) / (xDomain.upperBound - xDomain.lowerBound) * plotWidth }
        func py(_ y: Double) -> Double { Self.top + plotHeight - (y - yDomain.lowerBound) / (yDomain.upperBound - yDomain.lowerBound) * plotHeight }

        var svg = SVG.text(title, x: Self.width / 2, y: 20, size: 14, weight: "bold")
        let xTicks = Ticks(xDomain.lowerBound, xDomain.upperBound), yTicks = Ticks(yDomain.lowerBound, yDomain.upperBound)
        for tick in xTicks.values {
            svg += SVG.line(px(tick), Self.top, px(tick), Self.top + plotHeight, stroke: "#e5e5e5")
            svg += SVG.line(px(tick), Self.top + plotHeight, px(tick), Self.top + plotHeight + 5, stroke: "#333333")
            svg += SVG.text(xTicks.label(tick), x: px(tick), y: Self.top + plotHeight + 18, size: 11)
        }
        for tick in yTicks.values {
            svg += SVG.line(Self.left, py(tick), Self.left + plotWidth, py(tick), stroke: "#e5e5e5")
            svg += SVG.line(Self.left - 5, py(tick), Self.left, py(tick), stroke: "#333333")
            svg += SVG.text(yTicks.label(tick), x: Self.left - 8, y: py(tick) + 4, anchor: "end", size: 11)
        }
        svg += SVG.line(Self.left, Self.top + plotHeight, Self.left + plotWidth, Self.top + plotHeight, stroke: "#333333")
        svg += SVG.line(Self.left, Self.top, Self.left, Self.top + plotHeight, stroke: "#333333")
        svg += SVG.text(xLabel, x: Self.left + plotWidth / 2, y: Self.height - 12)
        svg += SVG.text(yLabel, x: 16, y: Self.top + plotHeight / 2, rotate: true)

        if let (x1, y1, x2, y2) = reference { svg += SVG.line(px(x1), py(y1), px(x2), py(y2), stroke: "#999999", dashed: true) }
        for band in bands {
            let upper = zip(band.x, band.upper).map { (px($0), py($1)) }
            let lower = zip(band.x, band.lower).map { (px($0), py($1)) }.reversed()
            svg += SVG.polygon(upper + lower, fill: band.color, opacity: 0.2)
        }
        for line in series where !line.points.isEmpty {
            svg += SVG.polyline(line.points.map { (px($0.x), py($0.y)) }, stroke: line.color, width: line.width, dashed: line.dashed)
        }
        svg += legend(plotWidth: plotWidth, plotHeight: plotHeight)
        return svg
    }

    /// A swatch per band and per named series, boxed, in `legendCorner`.
    private func legend(plotWidth: Double, plotHeight: Double) -> String {
        var entries: [(String, String)] = bands.map { ($0.name, SVG.polygon([(0, -4), (18, -4), (18, 4), (0, 4)], fill: $0.color, opacity: 0.2)) }
        entries += series.filter { !$0.name.isEmpty }.map { ($0.name, SVG.line(0, 0, 18, 0, stroke: $0.color, width: $0.width, dashed: $0.dashed)) }
        guard !entries.isEmpty else { return "" }
        let longest = entries.map(\.0.count).max() ?? 0
        let boxWidth = 34 + Double(longest) * 6.4, boxHeight = Double(entries.count) * 16 + 8
        let x = legendCorner == .bottomLeft ? Self.left + 8 : Self.left + plotWidth - 8 - boxWidth
        let y = legendCorner == .topRight ? Self.top + 8 : Self.top + plotHeight - 8 - boxHeight
        var svg = "<g class=\"legend\" transform=\"translate(\(SVG.number(x)),\(SVG.number(y)))\">\n"
        svg += "<rect width=\"\(SVG.number(boxWidth))\" height=\"\(SVG.number(boxHeight))\" fill=\"#ffffff\" fill-opacity=\"0.85\" stroke=\"#cccccc\"/>\n"
        for (index, entry) in entries.enumerated() {
            let rowY = 12 + Double(index) * 16
            svg += "<g transform=\"translate(6,\(SVG.number(rowY)))\">\n\(entry.1)</g>\n"
            svg += SVG.text(entry.0, x: 28, y: rowY + 4, anchor: "start", size: 11)
        }
        return svg + "</g>\n"
    }

    /// The data's range with 5% room either side (a flat series gets ±0.5 so it is not divided by zero).
    static func padded(_ values: [Double]) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return 0...1 }
        guard high > low else { return (low - 0.5)...(high + 0.5) }
        let margin = (high - low) * 0.05
        return (low - margin)...(high + margin)
    }
}

/// Grouped vertical bars: one group per category (a model), one bar per member (an engine) in a fixed colour,
/// the value printed above each bar. A missing value leaves a gap.
struct BarChart: Sendable {
    let title: String
    let yLabel: String
    let categories: [String]
    let members: [String]
    /// values[category][member]
    let values: [[Double?]]

    static let height = 420.0
    private static let left = 72.0, right = 16.0, top = 36.0, bottom = 70.0

    var svg: String {
        let groupWidth = max(120, 40 * Double(members.count) + 40)
        // At least 400 px, so the title and legend fit above and below a chart of one or two models.
        let plotWidth = max(400, groupWidth * Double(max(categories.count, 1)))
        let width = Self.left + plotWidth + Self.right, plotHeight = Self.height - Self.top - Self.bottom
        let maximum = values.flatMap { $0.compactMap { $0 } }.max() ?? 1
        let ticks = Ticks(0, maximum > 0 ? maximum * 1.1 : 1)
        let top = ticks.values.last.map { max($0, maximum * 1.1) } ?? 1
        func py(_ y: Double) -> Double { Self.top + plotHeight - y / top * plotHeight }

        var body = SVG.text(title, x: width / 2, y: 20, size: 14, weight: "bold")
        for tick in ticks.values {
            body += SVG.line(Self.left, py(tick), Self.left + plotWidth, py(tick), stroke: "#e5e5e5")
            body += SVG.text(ticks.label(tick), x: Self.left - 8, y: py(tick) + 4, anchor: "end", size: 11)
        }
        body += SVG.line(Self.left, Self.top + plotHeight, Self.left + plotWidth, Self.top + plotHeight, stroke: "#333333")
        body += SVG.line(Self.left, Self.top, Self.left, Self.top + plotHeight, stroke: "#333333")
        body += SVG.text(yLabel, x: 18, y: Self.top + plotHeight / 2, rotate: true)
        let barWidth = (groupWidth - 40) / Double(max(members.count, 1))
        for (c, category) in categories.enumerated() {
            let groupX = Self.left + Double(c) * groupWidth + 20
            for (m, member) in members.enumerated() {
                guard let value = values[c][m] else { continue }
                let x = groupX + Double(m) * barWidth
                body += SVG.rect(x: x + 2, y: py(value), width: barWidth - 4, height: Self.top + plotHeight - py(value),
                                 fill: SVG.color(m), label: "\(category), \(member): \(ReportFormat.fixed(value, decimals: 1))")
                body += SVG.text(ReportFormat.fixed(value, decimals: 1), x: x + barWidth / 2, y: py(value) - 4, size: 10)
            }
            body += SVG.text(category, x: groupX + (groupWidth - 40) / 2, y: Self.top + plotHeight + 18, size: 11)
        }
        let legendY = Self.height - 22
        body += "<g class=\"legend\">\n"
        for (m, member) in members.enumerated() {
            let x = Self.left + Double(m) * 130
            body += SVG.rect(x: x, y: legendY - 9, width: 14, height: 10, fill: SVG.color(m))
            body += SVG.text(member, x: x + 20, y: legendY, anchor: "start", size: 11)
        }
        body += "</g>\n"
        return SVG.document(width: width, height: Self.height, title: title, body: body)
    }
}

import Foundation

/// Every plot of the report, as (file name under plots/, caption, SVG text). Built from the records alone, so the
/// same log gives the same plots byte for byte.
struct ReportPlots: Sendable {
    struct Plot: Sendable {
        let fileName: String
        let caption: String
        let svg: String
    }

    let plots: [Plot]
    /// Plots that could not be drawn and why (e.g. a curve for a group whose test sets lack a class).
    let gaps: [String]

    init(groups: [RunGroup], latency: [LatencyRecord], bandBootstrap: Bootstrap) {
        var plots: [Plot] = [], gaps: [String] = []
        for group in groups {
            let slug = group.key.slug, title = group.key.title
            if group.runs.contains(where: { !$0.history.isEmpty }) {
                plots.append(Plot(fileName: "learning-\(slug).svg",
                                  caption: "Learning curves, \(title): training (solid) and validation (dashed) per epoch, one colour per seed.",
                                  svg: LinePlot.document(title: "Learning curves: \(title)", panels: Self.learningCurves(group))))
                plots.append(Plot(fileName: "learning-rate-\(slug).svg", caption: "Learning rate per epoch, \(title).",
                                  svg: LinePlot.document(title: "Learning rate: \(title)", panels: [Self.learningRate(group)])))
            }
            do {
                let predictions = try group.runs.map { try $0.test.predictions() }
                let roc = try CurveBand(.roc, of: predictions, bootstrap: bandBootstrap)
                let pr = try CurveBand(.precisionRecall, of: predictions, bootstrap: bandBootstrap)
                let band = "\(Int((bandBootstrap.level * 100).rounded()))% band: bootstrap over test images, \(bandBootstrap.replicates) replicates"
                plots.append(Plot(fileName: "roc-\(slug).svg",
                                  caption: "ROC, \(title): mean over \(group.runs.count) run(s) at fixed false positive rates, \(band); thin lines: each seed.",
                                  svg: LinePlot.document(title: "ROC: \(title)", panels: [Self.curvePlot(roc, group: group, kind: .roc, band: band)])))
                plots.append(Plot(fileName: "precision-recall-\(slug).svg",
                                  caption: "Precision-recall, \(title): mean over \(group.runs.count) run(s) at fixed recalls, \(band); thin lines: each seed.",
                                  svg: LinePlot.document(title: "Precision-recall: \(title)",
                                                         panels: [Self.curvePlot(pr, group: group, kind: .precisionRecall, band: band)])))
            } catch {
                gaps.append("\(title): no ROC or precision-recall plot (\(error))")
            }
        }
        if !latency.isEmpty { plots.append(Self.latencyBars(LatencyTables(latency).records)) }
        self.plots = plots
        self.gaps = gaps
    }

    private static func seedName(_ run: RunRecord) -> String { "seed \(run.seed)" + (run.fold.map { " fold \($0)" } ?? "") }

    private static func learningCurves(_ group: RunGroup) -> [LinePlot] {
        func panel(_ name: String, train: KeyPath<EpochRecord, Double>, validation: KeyPath<EpochRecord, Double?>) -> LinePlot {
            var series: [LinePlot.Series] = []
            for (index, run) in group.runs.enumerated() {
                let color = SVG.color(index)
                series.append(.init(name: "\(seedName(run)) train", points: run.history.map { (Double($0.epoch), $0[keyPath: train]) }, color: color))
                let validationPoints = run.history.compactMap { epoch in epoch[keyPath: validation].map { (Double(epoch.epoch), $0) } }
                if !validationPoints.isEmpty {
                    series.append(.init(name: "\(seedName(run)) validation", points: validationPoints, color: color, dashed: true))
                }
            }
            let isAccuracy = name == "Accuracy"
            return LinePlot(title: name, xLabel: "epoch", yLabel: name.lowercased(), series: series,
                            yRange: isAccuracy ? 0...1 : nil, legendCorner: isAccuracy ? .bottomRight : .topRight)
        }
        return [panel("Loss", train: \.loss, validation: \.validationLoss),
                panel("Accuracy", train: \.accuracy, validation: \.validationAccuracy)]
    }

    private static func learningRate(_ group: RunGroup) -> LinePlot {
        let series = group.runs.enumerated().map { index, run in
            LinePlot.Series(name: seedName(run), points: run.history.map { (Double($0.epoch), $0.learningRate) }, color: SVG.color(index))
        }
        let rates = group.runs.flatMap { $0.history.map(\.learningRate) }
        return LinePlot(title: "Learning rate", xLabel: "epoch", yLabel: "learning rate", series: series,
                        yRange: 0...max(rates.max() ?? 1, .leastNormalMagnitude) * 1.1)
    }

    private static func curvePlot(_ band: CurveBand, group: RunGroup, kind: CurveBand.Kind, band bandName: String) -> LinePlot {
        // With one run its own curve is the mean: drawn once.
        var series = group.runs.count < 2 ? [] : zip(group.runs, band.runs).enumerated().map { index, pair in
            LinePlot.Series(name: seedName(pair.0), points: zip(band.grid, pair.1).map { ($0, $1) }, color: SVG.color(index + 1), width: 1)
        }
        series.append(.init(name: group.runs.count > 1 ? "mean" : seedName(group.runs[0]), points: zip(band.grid, band.mean).map { ($0, $1) },
                            color: SVG.color(0), width: 2.5))
        let isROC = kind == .roc
        return LinePlot(title: isROC ? "ROC" : "Precision-recall",
                        xLabel: isROC ? "false positive rate (1 − specificity)" : "recall (sensitivity)",
                        yLabel: isROC ? "true positive rate (sensitivity)" : "precision",
                        series: series,
                        bands: [.init(name: "95% band", x: band.grid, lower: band.lower, upper: band.upper, color: SVG.color(0))],
                        xRange: 0...1, yRange: 0...1, legendCorner: isROC ? .bottomRight : .bottomLeft,
                        reference: isROC ? (0, 0, 1, 1) : nil)
    }

    private static func latencyBars(_ records: [LatencyRecord]) -> Plot {
        var categories: [String] = [], engines: [String] = []
        for record in records {
            let category = "\(record.model) \(record.inputSize)px"
            if !categories.contains(category) { categories.append(category) }
            if !engines.contains(record.engine) { engines.append(record.engine) }
        }
        let values = categories.map { category in
            engines.map { engine in records.first { "\($0.model) \($0.inputSize)px" == category && $0.engine == engine }?.batch1MedianMs }
        }
        let chart = BarChart(title: "Batch-1 latency, median (lower is faster)", yLabel: "milliseconds",
                             categories: categories, members: engines, values: values)
        return Plot(fileName: "latency.svg", caption: "Median batch-1 inference latency per model and engine (latency.csv has p90, p99 and throughput).",
                    svg: chart.svg)
    }
}

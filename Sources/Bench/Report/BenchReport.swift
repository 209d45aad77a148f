import Foundation

/// What the report says about itself: its title, a line naming what produced it, and the bootstrap behind the
/// curve bands. The caller supplies the line (e.g. the Zoo version and date), so the writer stays deterministic.
public struct ReportContext: Sendable {
    public var title: String
    public var generatedBy: String
    /// Draws for the ROC and precision-recall bands (docs/report.md).
    public var bandBootstrap: Bootstrap
    /// Shown in the report's notes, e.g. `ResultsLog.Contents.warnings`.
    public var warnings: [String]

    public init(title: String = "Zoo bench", generatedBy: String, bandBootstrap: Bootstrap, warnings: [String] = []) {
        self.title = title
        self.generatedBy = generatedBy
        self.bandBootstrap = bandBootstrap
        self.warnings = warnings
    }
}

/// Every report file from the run and latency records: `accuracy.md`/`.csv`, `latency.md`/`.csv`,
/// `plots/*.svg` and `report.html` (docs/report.md says what each holds). Nothing is computed here that the
/// records do not hold except the aggregates (RunsSummary), the paired tests and the curve bands.
public struct BenchReport: Sendable {
    public let runs: [RunRecord]
    public let latency: [LatencyRecord]
    public let context: ReportContext

    public init(runs: [RunRecord], latency: [LatencyRecord], context: ReportContext) {
        self.runs = runs
        self.latency = latency
        self.context = context
    }

    /// Writes every file into `directory` (created if needed; each file written whole under a temporary name,
    /// then renamed) and returns their URLs, plots first, report.html last.
    @discardableResult
    public func write(to directory: URL) throws -> [URL] {
        let plotsDirectory = directory.appendingPathComponent("plots", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: plotsDirectory, withIntermediateDirectories: true)
        } catch {
            throw DataError(file: plotsDirectory.path, kind: .writeFailed, problem: "cannot create the directory (\(error.localizedDescription))")
        }
        var written: [URL] = []
        func write(_ text: String, _ url: URL) throws {
            try AtomicFile.write(Data(text.utf8), to: url)
            written.append(url)
        }
        let files = files()
        for plot in files.plots.plots { try write(plot.svg, plotsDirectory.appendingPathComponent(plot.fileName)) }
        for (name, text) in files.text { try write(text, directory.appendingPathComponent(name)) }
        return written
    }

    /// The report's contents by file name, and its plots.
    func files() -> (text: [(String, String)], plots: ReportPlots) {
        let groups = RunGroup.groups(runs)
        let accuracy = AccuracyTables(groups: groups)
        let headline = EngineComparison(runs).table
        let summary = accuracy.summary, perRun = accuracy.perRun
        let provenance = ProvenanceTable(groups: groups).table
        let latencyTables = LatencyTables(latency)
        let plots = ReportPlots(groups: groups, latency: latency, bandBootstrap: context.bandBootstrap)
        let heading = "# \(ReportTable.markdownText(context.title))\n\n\(ReportTable.markdownText(context.generatedBy))\n\n"

        let html = HTMLReport(
            title: context.title, subtitle: context.generatedBy,
            tables: [("headline", headline), ("accuracy-summary", summary), ("accuracy-runs", perRun),
                     ("latency", latencyTables.table), ("provenance", provenance)],
            plots: plots.plots, notes: context.warnings + plots.gaps)
        return ([
            ("accuracy.md", heading + [headline, summary, perRun, provenance].map(\.markdown).joined(separator: "\n")),
            ("accuracy.csv", accuracy.csv),
            ("latency.md", heading + latencyTables.table.markdown),
            ("latency.csv", latencyTables.csv),
            ("report.html", html.html),
        ], plots)
    }
}

import Foundation
import Testing
@testable import Bench

/// The report's own numbers and text against scikit-learn, scipy and numpy (ReportReference): the across-seed
/// aggregates and their formatting, the CSV at full precision, the headline's paired test, the curve bands; and
/// that free text from a record can break neither Markdown nor HTML.
@Suite struct ReportTablesTests {
    static func reference() throws -> ReportReference { try ReportReference.shared.get() }

    static func report(_ runs: [RunRecord]) -> BenchReport {
        BenchReport(runs: runs, latency: ReportFixtures.latency, context: ReportFixtures.context)
    }

    static func row(_ table: ReportTable, _ prefix: [String]) throws -> [String] {
        try #require(table.rows.first { Array($0.prefix(prefix.count)) == prefix }, "no row \(prefix) in \(table.title)")
    }

    static func cell(_ table: ReportTable, _ row: [String], _ column: String) throws -> String {
        row[try #require(table.columns.firstIndex(of: column), "no column \(column)")]
    }

    /// mean ± SD [t interval], formatted from scipy's numbers.
    static func acrossRuns(_ values: ReportReference.Across) -> String {
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        return "\(f(values.mean)) ± \(f(values.sd)) [\(f(values.interval[0])), \(f(values.interval[1]))]"
    }

    @Test func summaryRowShowsMeanSDAndTIntervalAcrossSeeds() throws {
        let reference = try Self.reference()
        let table = AccuracyTables(groups: RunGroup.groups(reference.runs)).summary
        let row = try Self.row(table, ["vgg16-tb", "tb", "clean", "fine-tune", "zoo"])
        #expect(try Self.cell(table, row, "Accuracy") == Self.acrossRuns(reference.values.accuracy_across))
        #expect(try Self.cell(table, row, "ROC AUC") == Self.acrossRuns(reference.values.roc_auc_across))
        #expect(try Self.cell(table, row, "Runs") == "3/3")
        #expect(try Self.cell(table, row, "n") == "40")
        #expect(try Self.cell(table, row, "Threshold rule") == "equalErrorRate")
        // Both notes of the run are cited, and the footnotes hold their text.
        let cited = try Self.cell(table, row, "Notes")
        let numbers = [ReportFixtures.featureBankNote, ReportFixtures.hostileNote].compactMap { table.footnotes.firstIndex(of: $0) }
        #expect(numbers.count == 2 && cited == numbers.map { "[\($0 + 1)]" }.joined(separator: ", "), "\(cited): \(table.footnotes)")
    }

    @Test func aLoneRunShowsItsOwnIntervalAndAnUnscoredRunSaysWhy() throws {
        let runs = try Self.reference().runs
        let table = AccuracyTables(groups: RunGroup.groups(runs)).summary
        let lone = try Self.row(table, ["resnet50-melanoma"])
        let metrics = try #require(runs.first { $0.recipe == "resnet50-melanoma" }?.metrics)
        let f = { (x: Double) in String(format: "%.3f", x) }
        #expect(try Self.cell(table, lone, "Accuracy")
            == "\(f(metrics.accuracy)) [\(f(metrics.accuracyInterval.lower)), \(f(metrics.accuracyInterval.upper))]")
        let unscored = try Self.row(table, ["attention-vgg16-tb"])
        #expect(try Self.cell(table, unscored, "Accuracy") == "—")
        #expect(try Self.cell(table, unscored, "Runs") == "0/1")
        #expect(table.footnotes.contains { $0.contains("12 positive and 0 negative images") }, "\(table.footnotes)")
        let perRun = AccuracyTables(groups: RunGroup.groups(runs)).perRun
        #expect(perRun.footnotes.contains { $0.contains("12 positive and 0 negative images") })
    }

    @Test func csvHoldsEveryRunAtFullPrecision() throws {
        let reference = try Self.reference()
        let csv = AccuracyTables(groups: RunGroup.groups(reference.runs)).csv
        let table = try CSVReader.parse(csv)
        #expect(table.header == AccuracyTables.csvHeader)
        #expect(table.rows.count == reference.runs.count)
        let zoo = table.rows.filter { $0["recipe"] == "vgg16-tb" && $0["engine"] == "zoo" }
        #expect(zoo.map { $0["seed"] } == ["1", "2", "3"])
        for (row, (accuracy, auc)) in zip(zoo, zip(reference.values.accuracy, reference.values.roc_auc)) {
            #expect(Double(row["accuracy"] ?? "") == accuracy, "accuracy \(row["accuracy"] ?? ""), sklearn \(accuracy)")
            let zooAUC = try #require(Double(row["roc_auc"] ?? ""))
            #expect(abs(zooAUC - auc) <= 1e-12, "AUC \(zooAUC), sklearn \(auc)")
        }
        // Full precision: every number parses back to the record's double exactly.
        let firstRun = reference.zooRuns[0], firstRow = zoo[0]
        #expect(Double(firstRow["roc_auc_lower"] ?? "") == firstRun.metrics?.rocAUCInterval.lower)
        #expect(Double(firstRow["f1_upper"] ?? "") == firstRun.metrics?.f1Interval.upper)
        #expect(Double(firstRow["threshold"] ?? "") == firstRun.threshold.value)
        // A note with commas, quotes and a pipe survives the quoting.
        #expect(firstRow["notes"] == "\(ReportFixtures.featureBankNote) | \(ReportFixtures.hostileNote)")
        let unscored = try #require(table.rows.first { $0["recipe"] == "attention-vgg16-tb" })
        #expect(unscored["accuracy"] == "" && unscored["metrics_missing_reason"]?.isEmpty == false)
    }

    @Test func headlinePairsTheEnginesAndReportsMcNemarOnTheSameImages() throws {
        let reference = try Self.reference()
        let comparison = EngineComparison(reference.runs)
        #expect(comparison.pairs.count == 3)
        let table = comparison.table
        let row = try Self.row(table, ["vgg16-tb", "tb", "clean", "fine-tune", "1"])
        // Discordant images are few, so the exact p-value is the one reported: scipy's binomtest.
        #expect(reference.values.pair.discordant.reduce(0, +) < McNemarTest.exactBelow)
        #expect(try Self.cell(table, row, "McNemar p") == ReportFormat.pValue(reference.values.pair.mcnemar_exact_p))
        #expect(try Self.cell(table, row, "Paired DeLong p") != "—")
        #expect(try Self.cell(table, row, "Keras/Zoo time") == String(format: "%.2f×", 301.0 / 121.0))
        #expect(try Self.cell(table, row, "Zoo time") == "121.0 s")
    }

    @Test func headlineSaysWhenTheEnginesScoredDifferentImages() throws {
        var runs = try Self.reference().runs.filter { $0.recipe == "vgg16-tb" && $0.seed == 1 }
        let index = try #require(runs.firstIndex { $0.engine == "keras" })
        runs[index].test.images[0] = "tb/elsewhere.png"
        let table = EngineComparison(runs).table
        #expect(table.rows.count == 1)
        #expect(try Self.cell(table, table.rows[0], "McNemar p") == "—")
        #expect(table.footnotes.contains("the engines scored different test images: no paired test"))
    }

    @Test func headlineSaysHowEachEngineTrainedAndWhenTheDataAreSynthetic() throws {
        var runs = try Self.reference().runs.filter { $0.recipe == "vgg16-tb" && $0.seed == 2 }
        let index = try #require(runs.firstIndex { $0.engine == "keras" })
        runs[index].timing = RunTiming(wallSeconds: 302, meanEpochSeconds: 40, featureCache: false)
        let table = EngineComparison(runs).table
        let row = try Self.row(table, ["vgg16-tb", "tb", "clean", "fine-tune", "2"])
        #expect(try Self.cell(table, row, "Zoo accuracy").contains(" ["), "accuracy with its Wilson interval")
        #expect(try Self.cell(table, row, "Keras ROC AUC").contains(" ["), "AUC with its DeLong interval")
        #expect(try Self.cell(table, row, "Zoo training") == "cached features (3.25 s to compute or read)")
        #expect(try Self.cell(table, row, "Keras training") == "end to end")
        #expect(try Self.cell(table, row, "Keras/Zoo time") == String(format: "%.2f×", 302.0 / 122.0))
        #expect(table.footnotes.contains { $0.hasPrefix("Zoo trained the head on the frozen base's features, computed once or read from a cache") })
        #expect(table.footnotes.contains("the images are synthetic: the accuracies prove the pipeline, not the models"))
        #expect(table.footnotes.contains(ReportFixtures.featureBankNote), "a note both runs carry is cited once, unnamed")
        #expect(table.footnotes.contains("Zoo: \(ReportFixtures.hostileNote)"), "a note of one engine's run names it")
        // Both engines cached: nothing to say about the workflows.
        let cached = EngineComparison(try Self.reference().runs.filter { $0.recipe == "vgg16-tb" && $0.seed == 2 }).table
        #expect(!cached.footnotes.contains { $0.contains("trained the head on the frozen base's features") })
    }

    @Test func curveBandsMatchNumpyOnTheSameBootstrapDraws() throws {
        let reference = try Self.reference()
        let predictions = try reference.zooRuns.map { try $0.test.predictions() }
        for (kind, expected) in [(CurveBand.Kind.roc, reference.values.roc), (.precisionRecall, reference.values.pr)] {
            let band = try CurveBand(kind, of: predictions, bootstrap: ReportFixtures.bandBootstrap)
            func close(_ a: [Double], _ b: [Double]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 } }
            #expect(zip(band.runs, expected.runs).allSatisfy { close($0, $1) }, "\(kind): each run's curve on the grid")
            #expect(close(band.mean, expected.mean), "\(kind): mean curve")
            #expect(close(band.lower, expected.lower), "\(kind): band lower")
            #expect(close(band.upper, expected.upper), "\(kind): band upper")
            #expect(band.skippedReplicates == expected.skipped)
        }
    }

    @Test func recordTextIsEscapedInMarkdownHTMLAndSVG() throws {
        let report = Self.report(try Self.reference().runs)
        let files = Dictionary(uniqueKeysWithValues: report.files().text)
        let markdown = try #require(files["accuracy.md"]), html = try #require(files["report.html"])
        #expect(markdown.contains("| pass (max \\|diff\\| 2.4e-6) |"), "a pipe inside a cell is escaped")
        #expect(markdown.contains("Keras-initialised base | no ImageNet weights \\<script>"), "footnotes: no raw inline HTML")
        #expect(!html.contains("<script"), "a note's <script> reached the page unescaped")
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more"))
        #expect(html.contains("<title>Zoo bench &lt;test&gt;</title>"))
        // Every row's Markdown table line has as many cells as the header.
        let tableLines = markdown.split(separator: "\n").filter { $0.hasPrefix("| ") }
        let cellCounts = Set(tableLines.map { $0.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count })
        #expect(cellCounts.count <= 5, "tables: \(cellCounts)")  // one width per table (headline, summary, per run, provenance)
    }

    @Test func latencyTablesSortZooFirstAndKeepFullPrecision() throws {
        let tables = LatencyTables(ReportFixtures.latency)
        #expect(tables.records.map { "\($0.model)/\($0.engine)" } == ["ResNet50/zoo", "VGG16/zoo", "VGG16/keras"])
        let row = try Self.row(tables.table, ["VGG16", "224", "zoo"])
        #expect(try Self.cell(tables.table, row, "Batch 1 median ms") == "48.1")
        #expect(try Self.cell(tables.table, row, "Epoch cached") == "—")
        let csv = try CSVReader.parse(tables.csv)
        #expect(csv.rows[1]["batch1_median_ms"] == "48.0625")
        #expect(csv.rows[2]["epoch_seconds_uncached"] == "120.0")
        #expect(csv.rows[1]["vector_extensions"] == "avx2 | fma")
    }

    @Test func writingTwiceGivesTheSameBytes() throws {
        let report = Self.report(try Self.reference().runs)
        let first = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-report-\(UUID().uuidString)")
        let second = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-report-\(UUID().uuidString)")
        defer { for directory in [first, second] { try? FileManager.default.removeItem(at: directory) } }
        let written = try report.write(to: first)
        _ = try report.write(to: second)
        let names = written.map { $0.path.replacingOccurrences(of: first.path + "/", with: "") }
        for name in ["accuracy.md", "accuracy.csv", "latency.md", "latency.csv", "report.html", "plots/latency.svg",
                     "plots/roc-vgg16-tb-tb-clean-fine-tune-zoo.svg", "plots/precision-recall-vgg16-tb-tb-clean-fine-tune-zoo.svg",
                     "plots/learning-vgg16-tb-tb-clean-fine-tune-zoo.svg", "plots/learning-rate-vgg16-tb-tb-clean-fine-tune-zoo.svg"] {
            #expect(names.contains(name), "\(name) not written: \(names)")
        }
        for name in names {
            #expect(FileManager.default.contents(atPath: first.appendingPathComponent(name).path)
                == FileManager.default.contents(atPath: second.appendingPathComponent(name).path), "\(name) differs between two writes")
        }
    }
}

/// RFC 4180 reading for the tests: quoted fields with doubled quotes, CRLF or LF line ends.
enum CSVReader {
    struct Table { let header: [String]; let rows: [[String: String]] }

    static func parse(_ text: String) throws -> Table {
        var records: [[String]] = [], record: [String] = [], field = "", quoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
                } else { field.append(character) }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                record.append(field); field = ""
            } else if character == "\r\n" || character == "\n" {
                record.append(field); field = ""
                records.append(record); record = []
            } else { field.append(character) }
        }
        guard let header = records.first else { throw CSVError.empty }
        for (index, row) in records.enumerated() where row.count != header.count { throw CSVError.ragged(line: index + 1, row.count) }
        return Table(header: header, rows: records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) })
    }

    enum CSVError: Error { case empty, ragged(line: Int, Int) }
}

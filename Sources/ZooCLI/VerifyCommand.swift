import ArgumentParser
import Converter
import Foundation
import Zoo

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare a converted model with Keras layer by layer on golden activations, or its gradients with TensorFlow's.",
        discussion: """
        Runs every golden input and prints, per layer: shape, max |Δ|, max |Δ| / max |ref|, mean |Δ|, cosine \
        similarity, pass or fail. A layer fails when its normalised error exceeds the tolerance; the first \
        failing layer is the first whose inputs pass and whose output fails. The argmax of the final output \
        must equal Keras' on every input. Exits non-zero on any failure.

        With --gradients, --golden is a golden gradient case instead (its reference.safetensors, or the case \
        directory holding it): TensorFlow's gradients of the model's training loss on one batch, written by \
        Tests/GoldenOutputs/training/gradients.py (scripts/golden-gradients.sh makes the reference set; \
        gradient_case.py beside it, --model MODEL.keras --out DIR, makes one for your own model). The model \
        runs the case's training step (its trainable layers, loss, BatchNormalization semantics) and every \
        trainable weight's gradient and the input gradient are compared, in backward order: the first failing \
        one is where a wrong backward pass first shows. ZOO_BACKWARD_FAULT injects a deliberate one.

        Examples:
          zoo verify vgg16.safetensors --golden activations.safetensors --report parity/vgg16.md
          zoo verify tb-vgg16.safetensors --gradients --golden gradients/tb_vgg16
        """
    )

    @Argument(help: "The converted .safetensors model.") var model: String
    @Option(help: "Golden activations written by Keras (activations.safetensors); with --gradients, a golden gradient case.")
    var golden: String
    @Flag(help: "Verify the backward pass against TensorFlow's gradients instead of the forward pass.") var gradients = false
    @Option(help: "Write the report here as Markdown, with a .svg plot and a .csv table beside it.")
    var report: String?
    @Option(help: "Normalised error tolerance (default: 1e-4 for F32 weights, looser for F16/BF16, 1e-4 for gradients; the report says why).")
    var tolerance: Double?
    @Option(help: "Run this registry architecture's graph instead of the file's own.") var arch: String?
    @Option(help: "Only these cases, comma-separated (default: all in the golden file).") var cases: String?
    @Flag(name: .customLong("no-verify"), help: "Skip the data hash check of the model file (made on its first use).") var skipDataHash = false

    func run() throws {
        try checkReportPaths()
        if gradients { return try verifyGradients() }
        let parity = try CommandFailure.converting { () -> ParityReport in
            let loading = try ModelLoading(model, architecture: arch, mode: .layerByLayer, verifyData: !skipDataHash)
            let loaded = loading.model
            let goldenFile = try GoldenActivations(path: golden)
            let limit = try checkedTolerance(default: ParityTolerance.defaultValue(forWeights: loaded.weightDTypes))
            let header = [
                modelLine(loaded.graph),
                ("weights", loaded.weightDTypes.isEmpty ? "in memory" : loaded.weightDTypes.map(\.rawValue).joined(separator: "+")),
                ("golden", "\(golden) (Keras checkpoint \(goldenFile.checkpoint ?? "unknown"))"),
                ("tolerance", "\(ParityReport.number(limit)) normalised per layer" + (tolerance == nil ? " (\(ParityTolerance.justification(forWeights: loaded.weightDTypes)))" : " (given)")),
                ("engine", "layer by layer" + (loading.fault.map { ", FAULT INJECTED: \($0.rawValue)" } ?? "")),
            ]
            return ParityReport(check: try ParityCheck.run(loaded, against: goldenFile, tolerance: limit,
                                                           cases: cases.map { $0.split(separator: ",").map(String.init) },
                                                           uncompared: loading.faultLayers),
                                header: header)
        }
        try emit(parity, plotTitle: "Parity of \((model as NSString).lastPathComponent) with Keras")
    }

    /// --tolerance, or `fallback` without it; either must be a positive number.
    func checkedTolerance(default fallback: Double) throws -> Double {
        let limit = tolerance ?? fallback
        guard limit > 0, limit.isFinite else { throw CommandFailure("--tolerance must be a positive number, not \(limit)") }
        return limit
    }

    /// The header's first line: the file, the graph run and its size.
    func modelLine(_ graph: ModelGraph) -> (String, String) {
        ("model", "\(model) (graph '\(graph.name)'\(arch.map { ", architecture \($0)" } ?? ""), \(graph.layers.count) layers)")
    }

    /// The report's files: the Markdown at --report, the plot and the table beside it (its name with .svg, .csv).
    func reportFiles(_ report: String) -> (markdown: String, plot: String, table: String) {
        let base = (report as NSString).deletingPathExtension
        return (report, base + ".svg", base + ".csv")
    }

    /// Before the parity run: every file --report will write can be written (its folder exists, it is not a
    /// folder) and is neither the model nor the golden file, so a wrong path fails in one line instead of after
    /// the run (or instead of replacing an input).
    func checkReportPaths() throws {
        guard let report else { return }
        let files = reportFiles(report)
        guard files.markdown != files.plot, files.markdown != files.table else {
            throw CommandFailure("\(report): --report names the Markdown file (e.g. report.md); the .svg and .csv are written beside it")
        }
        for path in [files.markdown, files.plot, files.table] {
            if FilePaths.sameFile(path, model) || FilePaths.sameFile(path, golden) {
                throw CommandFailure("\(path): is an input of this run (the model or the golden file); give --report another name")
            }
            try FilePaths.checkWritable(path, role: "report", existing: .replace)
        }
    }

    /// Prints the check's table; with --report, writes the plot, the CSV and the Markdown beside each other, all
    /// or none; fails with the verdict unless the check passed.
    func emit(_ parity: some ParityReporting, plotTitle: String) throws {
        print(parity.text)
        if let report {
            let files = reportFiles(report)
            // The Markdown last, so it never names a file that is not there yet.
            try FileSetWriter.write([(files.plot, parity.svg(title: plotTitle)), (files.table, parity.csv),
                                     (files.markdown, parity.markdown(plotFile: (files.plot as NSString).lastPathComponent))],
                                    role: "report")
        }
        guard parity.passed else { throw CommandFailure(parity.verdict) }
    }
}

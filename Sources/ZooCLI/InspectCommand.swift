import ArgumentParser
import Converter
import Foundation

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show the tensors, totals and metadata of a .safetensors file or a Keras checkpoint.",
        discussion: """
            For a converted file it also checks the data hash (skip with --no-verify). When the file describes \
            its model (a converted file's graph, a full Keras model's config), it also shows what training reads: \
            trainable and frozen layers and parameters, momentum, regularisers, initialisers and dropout. \
            For Keras' model.summary() (output shapes, parameter totals) see `zoo summary`.

            Examples:
              zoo inspect vgg16.safetensors
              zoo inspect model.keras --json
            """
    )

    @Argument(help: "A .safetensors, .h5, .weights.h5 or .keras file.") var file: String
    @Flag(help: "Print JSON instead of tables.") var json = false
    @Flag(name: .customLong("no-verify"), help: "Skip the data hash check.") var skipVerify = false

    func run() throws {
        do {
            try FilePaths.requireFile(file)
            let report = file.hasSuffix(".safetensors") ? try safetensorsReport() : try kerasReport()
            print(json ? report.json() : report.table())
            if case .mismatch = report.verification { throw CommandFailure("\(file): data hash does not match (the file is damaged)") }
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure(error)
        }
    }

    private func safetensorsReport() throws -> InspectionReport {
        let contents = try SafetensorsFile(path: file)
        var report = InspectionReport(file: file, kind: "safetensors", fileSize: contents.fileSize,
                                      metadata: contents.metadata.sorted { $0.key < $1.key })
        report.tensors = contents.tensors.map { .init(name: $0.name, shape: $0.shape, dtype: $0.dtype, bytes: $0.byteRange.count) }
        if let json = contents.metadata["graph"] {
            do { report.training = .summary(TrainingSummary(graph: try JSONDecoder().decode(ModelGraph.self, from: Data(json.utf8)))) }
            catch { report.training = .unavailable("the graph metadata is not a Zoo model graph (\(error))") }
        }
        if !skipVerify {
            switch contents.verifyDataHash() {
            case .verified: report.verification = .verified
            case .mismatch(let expected, let actual): report.verification = .mismatch(expected: expected, actual: actual)
            case .absent: report.verification = .absent
            }
        }
        return report
    }

    private func kerasReport() throws -> InspectionReport {
        let checkpoint = try KerasCheckpoint(path: file)
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        var metadata = [("format", checkpoint.format.rawValue), ("keras_version", checkpoint.kerasVersion ?? "not recorded"),
                        ("model_config", checkpoint.modelConfig == nil ? "none (weights only: convert with --arch)" : "present")]
        if let backend = checkpoint.backend { metadata.append(("backend", backend)) }
        var report = InspectionReport(file: file, kind: "keras", fileSize: size, metadata: metadata)
        report.tensors = checkpoint.groups.flatMap { group in
            group.weights.map { .init(name: $0.place, shape: $0.shape, dtype: "F32", bytes: $0.shape.reduce(4, *)) }
        }
        if let config = checkpoint.modelConfig {
            do { report.training = .summary(TrainingSummary(graph: try KerasConfigImporter(file: file).importGraph(json: config))) }
            catch { report.training = .unavailable("the model config cannot be read as a graph: \(error)") }
        }
        return report
    }
}

/// What `zoo inspect` shows, as a table for people and as JSON for machines.
struct InspectionReport {
    struct Tensor: Encodable {
        let name: String
        let shape: [Int]
        let dtype: String
        let bytes: Int
    }

    enum Verification { case notChecked, verified, absent, mismatch(expected: String, actual: String) }
    enum Training { case none, summary(TrainingSummary), unavailable(String) }

    let file: String
    let kind: String
    let fileSize: Int
    let metadata: [(String, String)]
    var tensors: [Tensor] = []
    var verification = Verification.notChecked
    var training = Training.none

    var parameters: Int { tensors.reduce(0) { $0 + $1.shape.reduce(1, *) } }
    var dataBytes: Int { tensors.reduce(0) { $0 + $1.bytes } }

    var verificationText: String {
        switch verification {
        case .notChecked: "not checked"
        case .verified: "verified"
        case .absent: "no data_sha256 in the metadata"
        case .mismatch(let expected, let actual): "MISMATCH: metadata says \(expected), data hashes to \(actual)"
        }
    }

    func table() -> String {
        let rows = tensors.map { [$0.name, $0.shape.map(String.init).joined(separator: "x"), $0.dtype, $0.bytes.formatted()] }
        var lines = Self.align([["tensor", "shape", "dtype", "bytes"]] + rows, rightAligned: [3])
        lines.append("")
        lines.append("\(tensors.count) tensors, \(parameters.formatted()) parameters, \(dataBytes.formatted()) bytes of data, file \(fileSize.formatted()) bytes")
        lines.append("")
        let shown = metadata.map { key, value -> [String] in
            // The graph is long JSON: show what it is, not all of it (--json prints it whole).
            if key == "graph", let summary = Self.graphSummary(value) { return [key, summary] }
            return [key, value]
        }
        lines += Self.align([["metadata", "value"]] + shown, rightAligned: [])
        if kind == "safetensors" { lines.append("data hash: \(verificationText)") }
        switch training {
        case .none: break
        case .unavailable(let reason): lines += ["", "training: unavailable, \(reason)"]
        case .summary(let summary):
            let (headline, rows) = summary.tableRows()
            lines += ["", headline] + Self.align(rows, rightAligned: [3, 4])
        }
        return lines.joined(separator: "\n")
    }

    func json() -> String {
        var object: [String: Any] = [
            "file": file, "kind": kind, "file_bytes": fileSize, "parameters": parameters, "data_bytes": dataBytes,
            "tensors": tensors.map { ["name": $0.name, "shape": $0.shape, "dtype": $0.dtype, "bytes": $0.bytes] as [String: Any] },
            "metadata": Dictionary(metadata.map { ($0.0, Self.embedded($0.1)) }, uniquingKeysWith: { first, _ in first }),
        ]
        if kind == "safetensors" {
            object["data_hash"] = verificationText
            object["data_hash_verified"] = { if case .verified = verification { true } else { false } }()
        }
        switch training {
        case .none: break
        case .unavailable(let reason): object["training_unavailable"] = reason
        case .summary(let summary): object["training"] = summary.jsonObject()
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// A metadata value that holds JSON (the graph, the Keras source config) as that JSON's object, so a reader
    /// does not parse a string inside the JSON; any other value as the string it is.
    private static func embedded(_ value: String) -> Any {
        guard let first = value.first, first == "{" || first == "[",
              let object = try? JSONSerialization.jsonObject(with: Data(value.utf8)) else { return value }
        return object
    }

    private static func graphSummary(_ json: String) -> String? {
        guard let graph = try? JSONDecoder().decode(ModelGraph.self, from: Data(json.utf8)) else { return nil }
        return "\(graph.name): \(graph.layers.count) layers, inputs \(graph.inputs), outputs \(graph.outputs) (\(json.utf8.count.formatted()) bytes of JSON)"
    }

    /// Rows as columns padded to their widest cell, `rightAligned` columns (numbers) padded on the left.
    static func align(_ rows: [[String]], rightAligned: Set<Int>) -> [String] {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
    }
}

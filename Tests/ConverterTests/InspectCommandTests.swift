import Foundation
import Testing
import TestSupport

/// `zoo inspect` against what Python's own libraries read from the same file
/// (Tests/GoldenOutputs/inspect_reference.py: safetensors and hashlib for converted files, h5py for Keras
/// checkpoints): the tensors, the totals, the metadata and the data hash, as JSON and as the table. The
/// training section that follows (for files that describe their model) is checked against Keras itself by
/// TrainingAttributesTests.
@Suite struct InspectCommandTests {
    /// Every Keras checkpoint format (a compiled model, whose optimizer weights are not the model's) and the
    /// Keras-1 file, as Keras lists their weights.
    @Test(arguments: ["tiny_sequential/tfk_weights.h5", "tiny_sequential/tfk_full.h5", "tiny_sequential/k3_full.h5",
                      "tiny_sequential/k3.weights.h5", "tiny_sequential/k3.keras", "special/tiny_vgg_keras1.h5"])
    func kerasCheckpointJSONMatchesH5py(file: String) throws {
        let path = TestEnvironment.fixtures.appendingPathComponent(file).path
        try expectJSONMatchesPython(path)
    }

    /// Converted files at each storage precision: tensors, metadata and the verified data hash.
    @Test(arguments: ["f32", "bf16"])
    func convertedFileJSONMatchesPythonSafetensors(dtype: String) throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try expectJSONMatchesPython(convertTinySequential(dtype: dtype, into: directory))
    }

    /// The table: one aligned row per tensor, the totals, the metadata (the graph summarised) and the hash.
    @Test(arguments: ["tiny_sequential.safetensors", "tiny_sequential/k3.keras"])
    func tableShowsWhatPythonReads(file: String) throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = file.hasSuffix(".safetensors") ? try convertTinySequential(dtype: "f32", into: directory)
                                                  : TestEnvironment.fixtures.appendingPathComponent(file).path
        let reference = try pythonView(path)
        let result = try TestEnvironment.run(TestEnvironment.zooBinary(), ["inspect", path])
        try #require(result.status == 0, "\(result.stderr)")
        try expectTable(result.stdout, shows: reference)
    }

    /// A damaged converted file: inspect names both hashes (Python's for the damaged data) and fails;
    /// `--no-verify` skips the check and succeeds.
    @Test func damagedDataIsReportedUnlessNotVerified() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try convertTinySequential(dtype: "f32", into: directory)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: handle.seekToEnd() - 3)
        try handle.write(contentsOf: Data([0x55]))
        try handle.close()
        let zoo = try TestEnvironment.zooBinary()

        let reference = try pythonView(path)
        #expect(reference["data_hash_verified"] as? Bool == false)
        let table = try TestEnvironment.run(zoo, ["inspect", path])
        #expect(table.status != 0)
        #expect(table.stderr.contains("\(path): data hash does not match (the file is damaged)"), "\(table.stderr)")
        try expectTable(table.stdout, shows: reference)
        try expectJSONMatchesPython(path, expectFailure: true, python: reference)

        let unchecked = try TestEnvironment.run(zoo, ["inspect", path, "--no-verify"])
        #expect(unchecked.status == 0, "\(unchecked.stderr)")
        let uncheckedReference = try pythonView(path, verify: false)
        try expectTable(unchecked.stdout, shows: uncheckedReference)
        try expectJSONMatchesPython(path, verify: false, python: uncheckedReference)
    }

    private func convertTinySequential(dtype: String, into directory: URL) throws -> String {
        let output = directory.appendingPathComponent("tiny_sequential.safetensors").path
        let source = TestEnvironment.fixtures.appendingPathComponent("tiny_sequential/k3.keras").path
        let conversion = try Converting.convert(source, arch: nil, dtype: dtype, to: output)
        try #require(conversion.status == 0, "\(conversion.stderr)")
        return output
    }

    /// inspect_reference.py's view of `path`, a dictionary shaped like `zoo inspect --json`.
    private func pythonView(_ path: String, verify: Bool = true) throws -> [String: Any] {
        let result = try TestEnvironment.runPython("inspect_reference.py", [path] + (verify ? [] : ["--no-verify"]))
        try #require(result.status == 0, "inspect_reference.py: \(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    /// `python`: inspect_reference.py's view of the same file and flags, when the caller already has it.
    private func expectJSONMatchesPython(_ path: String, verify: Bool = true, expectFailure: Bool = false,
                                         python known: [String: Any]? = nil,
                                         sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try TestEnvironment.run(TestEnvironment.zooBinary(), ["inspect", path, "--json"] + (verify ? [] : ["--no-verify"]))
        #expect((result.status != 0) == expectFailure, "\(result.stderr)", sourceLocation: sourceLocation)
        let zoo = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], sourceLocation: sourceLocation)
        let python = try known ?? pythonView(path, verify: verify)
        #expect(Set(zoo.keys).subtracting(["training"]) == Set(python.keys), sourceLocation: sourceLocation)
        let tensors = try #require(python["tensors"] as? [Any], sourceLocation: sourceLocation)
        #expect(!tensors.isEmpty, sourceLocation: sourceLocation)
        for key in python.keys.sorted() {
            // A metadata value that holds JSON (the graph, the Keras source config) is embedded as that JSON's object.
            let expected = key == "metadata" ? (python[key] as? [String: String] ?? [:]).mapValues(Self.embeddedJSON) : python[key]
            #expect((zoo[key] as? NSObject) == (expected as? NSObject),
                    "\((path as NSString).lastPathComponent) \(key): zoo \(zoo[key] ?? "nothing"), Python \(python[key] ?? "nothing")",
                    sourceLocation: sourceLocation)
        }
    }

    private func expectTable(_ output: String, shows reference: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let tensors = try #require(reference["tensors"] as? [[String: Any]], sourceLocation: sourceLocation)
        let metadata = try #require(reference["metadata"] as? [String: String], sourceLocation: sourceLocation)
        let isSafetensors = reference["kind"] as? String == "safetensors"
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let metadataStart = 1 + tensors.count + 3
        try #require(lines.count >= metadataStart + 1 + metadata.count, "\(output)", sourceLocation: sourceLocation)

        let header = lines[0]
        #expect(header.split(separator: " ") == ["tensor", "shape", "dtype", "bytes"], sourceLocation: sourceLocation)
        let shapeColumn = header.range(of: "shape").map { header.distance(from: header.startIndex, to: $0.lowerBound) }
        for (line, tensor) in zip(lines[1...tensors.count], tensors) {
            let shape = (tensor["shape"] as? [Int] ?? []).map(String.init).joined(separator: "x")
            let expected = ["\(tensor["name"] ?? "")", shape, "\(tensor["dtype"] ?? "")", Self.grouped(tensor["bytes"] as? Int ?? -1)]
            #expect(line.split(separator: " ").map(String.init) == expected, "\(line)", sourceLocation: sourceLocation)
            #expect(line.range(of: " \(shape) ").map { line.distance(from: line.startIndex, to: $0.lowerBound) + 1 } == shapeColumn,
                    "aligned with the header: \(line)", sourceLocation: sourceLocation)
        }
        let totals = "\(tensors.count) tensors, \(Self.grouped(reference["parameters"] as? Int ?? -1)) parameters, "
            + "\(Self.grouped(reference["data_bytes"] as? Int ?? -1)) bytes of data, file \(Self.grouped(reference["file_bytes"] as? Int ?? -1)) bytes"
        #expect(lines[tensors.count + 1] == "" && lines[tensors.count + 2] == totals && lines[tensors.count + 3] == "",
                "\(lines[tensors.count + 2])", sourceLocation: sourceLocation)

        #expect(lines[metadataStart].split(separator: " ") == ["metadata", "value"], sourceLocation: sourceLocation)
        let rows = lines[(metadataStart + 1)..<(metadataStart + 1 + metadata.count)].map { line -> (String, String) in
            let key = String(line.prefix { $0 != " " })
            return (key, line.dropFirst(key.count).trimmingCharacters(in: .whitespaces))
        }
        if isSafetensors { #expect(rows.map(\.0) == metadata.keys.sorted(), sourceLocation: sourceLocation) }
        for (key, value) in rows {
            let expected = key == "graph" ? try Self.graphSummary(metadata[key] ?? "") : metadata[key]
            #expect(value == expected, "metadata \(key)", sourceLocation: sourceLocation)
        }
        let rest = lines[(metadataStart + 1 + metadata.count)...].prefix { !$0.hasPrefix("training: ") }.filter { !$0.isEmpty }
        #expect(rest == (isSafetensors ? ["data hash: \(reference["data_hash"] ?? "")"] : []), "\(rest)", sourceLocation: sourceLocation)
    }

    /// `value` parsed, when it is a JSON object or array; else the string itself.
    private static func embeddedJSON(_ value: String) -> Any {
        guard value.hasPrefix("{") || value.hasPrefix("["), let object = try? JSONSerialization.jsonObject(with: Data(value.utf8)) else { return value }
        return object
    }

    /// The graph row: its name, layer count, inputs, outputs and size, read from the metadata's JSON.
    private static func graphSummary(_ json: String) throws -> String {
        let graph = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let names = { (key: String) in "[" + (graph[key] as? [String] ?? []).map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        return "\(graph["name"] ?? ""): \((graph["layers"] as? [Any])?.count ?? -1) layers, inputs \(names("inputs")), "
            + "outputs \(names("outputs")) (\(grouped(json.utf8.count)) bytes of JSON)"
    }

    /// 1234567 as "1,234,567".
    private static func grouped(_ number: Int) -> String {
        let digits = String(abs(number))
        let groups = stride(from: digits.count, to: 0, by: -3).reversed().map { end in
            String(digits[digits.index(digits.startIndex, offsetBy: max(0, end - 3))..<digits.index(digits.startIndex, offsetBy: end)])
        }
        return (number < 0 ? "-" : "") + groups.joined(separator: ",")
    }
}

import Foundation

/// The reference checkpoints Keras wrote (Tests/GoldenOutputs/generate.py): the committed small
/// set, and the full-size set generated into the cache. Shared by the converter and parity tests.
public struct ReferenceSet {
    public struct Entry: Decodable, Sendable {
        public let model: String
        public let format: String
        public let path: String
        public let expected: String
        public let arch: String
        public let params: Int
        public let weights_only: Bool
    }

    /// A registry architecture the set keeps as a Keras config only, without weights (generate.py's CONFIG_ONLY,
    /// `architectures.json`): Keras' `count_params()` and the config keras.applications wrote.
    public struct Architecture: Decodable, Sendable {
        public let arch: String
        public let params: Int
        public let config: String
    }

    public let root: URL
    public let entries: [Entry]
    /// Empty for a set without `architectures.json` (the committed one).
    public let architectures: [Architecture]

    public static func committed() throws -> ReferenceSet { try ReferenceSet(root: TestEnvironment.fixtures) }
    public static func generated() throws -> ReferenceSet { try ReferenceSet(root: TestEnvironment.golden()) }

    public init(root: URL) throws {
        let manifest = root.appendingPathComponent("manifest.json")
        guard let data = FileManager.default.contents(atPath: manifest.path) else {
            throw TestEnvironment.Missing(description: "\(manifest.path) is missing: regenerate with Tests/GoldenOutputs/generate.py (see its README)")
        }
        self.root = root
        entries = try JSONDecoder().decode([Entry].self, from: data)
        let index = root.appendingPathComponent("architectures.json")
        architectures = try FileManager.default.contents(atPath: index.path).map { try JSONDecoder().decode([Architecture].self, from: $0) } ?? []
    }

    /// Keras' parameter count of a registry architecture: that of its Keras 3 file, else of its config-only record.
    public func kerasParameterCount(of arch: String) -> Int? {
        entries.first { $0.arch == arch && $0.format == "k3_keras" }?.params ?? architectures.first { $0.arch == arch }?.params
    }

    public func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// The path of `model`'s Keras 3 (`.keras`) file, the full-model checkpoint every model has; nil if the
    /// set lacks the model.
    public func keras3(_ model: String) -> String? {
        entries.first { $0.model == model && $0.format == "k3_keras" }.map { path($0.path) }
    }

    /// The `--arch` a weights-only entry needs: its registry name, or the model's own full-model file.
    public func architecture(for entry: Entry) -> String? {
        guard entry.weights_only else { return nil }
        if !entry.arch.isEmpty { return entry.arch }
        return keras3(entry.model)
    }
}

/// Runs `zoo` and the Python checker for the conversion tests.
public enum Converting {
    public static func convert(_ input: String, arch: String?, dtype: String = "f32", to output: String) throws -> TestEnvironment.Result {
        var arguments = ["convert", input, "-o", output, "--dtype", dtype, "--quiet"]
        if let arch { arguments += ["--arch", arch] }
        return try TestEnvironment.run(TestEnvironment.zooBinary(), arguments)
    }

    /// Checks converted files against Keras' tensors with Python's safetensors; returns the
    /// checker's per-pair lines for the failures (empty when all match).
    public static func check(pairs: [(converted: String, expected: String, dtype: String)], in directory: URL) throws -> [String] {
        let list = directory.appendingPathComponent("pairs.tsv")
        try pairs.map { "\($0.converted)\t\($0.expected)\t\($0.dtype)" }.joined(separator: "\n")
            .write(to: list, atomically: true, encoding: .utf8)
        let result = try TestEnvironment.runPython("check_converted.py", ["--pairs", list.path])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let failures = lines.filter { $0.hasPrefix("FAIL") }
        if result.status != 0 && failures.isEmpty { return ["check_converted.py failed: \(result.stderr)"] }
        return failures
    }

    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

import Foundation

/// Where the tests find what `make test` prepared: the pinned Python interpreter, the generated
/// reference files, the committed fixtures, and the built `zoo` binary. Anything missing is an
/// error that says how to fix it, never a skip.
public enum TestEnvironment {
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// The repository root, found from this file's location.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Small reference files written by Keras and committed (Tests/GoldenOutputs/fixtures).
    public static var fixtures: URL { repositoryRoot.appendingPathComponent("Tests/GoldenOutputs/fixtures") }

    /// The pinned Python interpreter (`ZOO_PYTHON`, set by `make test`).
    public static func python() throws -> String {
        try environment("ZOO_PYTHON", fix: "run `make test`, or `export ZOO_PYTHON=$(scripts/python-env.sh)`")
    }

    /// The interpreter of the Kubernetes schema check's own environment (`ZOO_KUBERNETES_PYTHON`, with
    /// kubernetes-validate from python/requirements-kubernetes.txt).
    public static func kubernetesPython() throws -> String {
        try environment("ZOO_KUBERNETES_PYTHON",
                        fix: "run `make test`, or `export ZOO_KUBERNETES_PYTHON=$(scripts/python-env.sh python/requirements-kubernetes.txt | tail -n1)`")
    }

    /// The directory of full-size reference files generated into the cache (`ZOO_GOLDEN`). It must be a
    /// complete set made in mode "full" (not `--only` or `--small-only`) whose manifest lists as many
    /// entries as its `.complete` marker records: a partial set would let the full-size tests pass
    /// while converting nothing.
    public static func golden() throws -> URL {
        let path = try environment("ZOO_GOLDEN", fix: "run `make test`, or `export ZOO_GOLDEN=$(scripts/golden.sh | tail -n1)`")
        let url = URL(fileURLWithPath: path)
        try requireFullSet(url, index: "manifest.json", generator: "scripts/golden.sh")
        return url
    }

    /// The directory of Keras' per-layer activations for the generated models (`ZOO_GOLDEN_ACTIVATIONS`):
    /// `<model>/activations.safetensors` and `activations.json`, a complete set made in mode "full".
    public static func goldenActivations() throws -> URL {
        let path = try environment("ZOO_GOLDEN_ACTIVATIONS",
                                   fix: "run `make test`, or `export ZOO_GOLDEN_ACTIVATIONS=$(scripts/golden-activations.sh | tail -n1)`")
        let url = URL(fileURLWithPath: path)
        try requireFullSet(url, index: "activations.json", generator: "scripts/golden-activations.sh")
        return url
    }

    /// The directory of TensorFlow's gradients and Keras' training steps (`ZOO_GOLDEN_GRADIENTS`, written by
    /// Tests/GoldenOutputs/training/gradients.py): `<case>/case.json`, `<case>/reference.safetensors` and
    /// `cases.json`, a complete set made in mode "full" in which every listed reference exists.
    public static func goldenGradients() throws -> URL {
        let path = try environment("ZOO_GOLDEN_GRADIENTS",
                                   fix: "run `make test`, or `export ZOO_GOLDEN_GRADIENTS=$(scripts/golden-gradients.sh | tail -n1)`")
        let url = URL(fileURLWithPath: path)
        try requireFullSet(url, index: "cases.json", generator: "scripts/golden-gradients.sh")
        struct Entry: Decodable { let path: String }
        let cases = try JSONDecoder().decode([Entry].self, from: Data(contentsOf: url.appendingPathComponent("cases.json")))
        for entry in cases {
            let reference = url.appendingPathComponent(entry.path)
            let description = reference.deletingLastPathComponent().appendingPathComponent("case.json")
            for file in [reference, description] where !FileManager.default.fileExists(atPath: file.path) {
                throw Missing(description: "\(file.path) is missing: delete \(url.path) and rerun scripts/golden-gradients.sh")
            }
        }
        return url
    }

    /// `directory/.complete` says mode "full" and its `entries` equal the number of entries in `index`.
    private static func requireFullSet(_ directory: URL, index: String, generator: String) throws {
        struct Marker: Decodable { let mode: String; let entries: Int? }
        let fix = "delete \(directory.path) and rerun \(generator) (make test does)"
        let marker = directory.appendingPathComponent(".complete")
        guard let data = FileManager.default.contents(atPath: marker.path),
              let complete = try? JSONDecoder().decode(Marker.self, from: data) else {
            throw Missing(description: "\(marker.path) is missing or unreadable: the set is incomplete; \(fix)")
        }
        guard complete.mode == "full" else {
            throw Missing(description: "\(directory.path) was generated in mode '\(complete.mode)', not 'full': it lacks models; \(fix)")
        }
        let listing = directory.appendingPathComponent(index)
        guard let entries = complete.entries,
              let json = FileManager.default.contents(atPath: listing.path),
              let list = try? JSONSerialization.jsonObject(with: json) as? [Any] else {
            throw Missing(description: "\(listing.path) or its entry count in .complete is missing: \(fix)")
        }
        guard list.count == entries else {
            throw Missing(description: "\(listing.path) lists \(list.count) entries, .complete recorded \(entries): \(fix)")
        }
    }

    /// Keras' per-layer activations of one model: committed for the tiny models, in the cache for the others.
    public static func activations(of model: String) throws -> String {
        let committed = fixtures.appendingPathComponent("\(model)/activations.safetensors")
        if model.hasPrefix("tiny_") {
            guard FileManager.default.fileExists(atPath: committed.path) else {
                throw Missing(description: "\(committed.path) is missing: regenerate the committed fixtures with scripts/golden-activations.sh (see Tests/GoldenOutputs/README.md)")
            }
            return committed.path
        }
        let cached = try goldenActivations().appendingPathComponent("\(model)/activations.safetensors")
        guard FileManager.default.fileExists(atPath: cached.path) else {
            throw Missing(description: "\(cached.path) is missing: rerun scripts/golden-activations.sh")
        }
        return cached.path
    }

    /// The `zoo` executable built next to the test bundle.
    public static func zooBinary() throws -> String {
        var directory = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("zoo").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw Missing(description: "the zoo executable is not built next to the tests: run `swift build` first (make test does)")
    }

    public struct Result {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs a program to completion and captures its output.
    public static func run(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently so a chatty child cannot fill one and block.
        let errReader = PipeReader(err.fileHandleForReading)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errData = errReader.bytes()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs a Python script from Tests/GoldenOutputs with the pinned interpreter.
    public static func runPython(_ script: String, _ arguments: [String]) throws -> Result {
        let path = repositoryRoot.appendingPathComponent("Tests/GoldenOutputs/\(script)").path
        return try run(python(), [path] + arguments, environment: ["TF_CPP_MIN_LOG_LEVEL": "3"])
    }

    /// Runs a reference script from Tests/GoldenOutputs as `script DIRECTORY extra...`, for scripts that write
    /// their references into a directory; a failing script throws with the tail of its stderr.
    public static func generateReference(_ script: String, into directory: URL, _ extra: [String] = []) throws {
        let result = try runPython(script, [directory.path] + extra)
        guard result.status == 0 else {
            throw Missing(description: "\(script) failed (status \(result.status)):\n\(result.stderr.suffix(3000))")
        }
    }

    /// The Keras checkpoint a golden gradient case (`<case>/case.json`, written by training/gradients.py or
    /// gradient_case.py) was made from: its `checkpoint` under the root its `checkpoint_root` names, the committed
    /// fixtures, the full golden set, or the gradient set itself.
    public static func checkpoint(ofGradientCase directory: URL) throws -> URL {
        struct Case: Decodable { let checkpoint_root: String; let checkpoint: String }
        let origin = try JSONDecoder().decode(Case.self, from: Data(contentsOf: directory.appendingPathComponent("case.json")))
        let root: URL = switch origin.checkpoint_root {
        case "fixtures": fixtures
        case "golden": try golden()
        case "gradients": try goldenGradients()
        default: throw Missing(description: "\(directory.path)/case.json: unknown checkpoint_root '\(origin.checkpoint_root)'")
        }
        return root.appendingPathComponent(origin.checkpoint)
    }

    private static func environment(_ name: String, fix: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw Missing(description: "\(name) is not set: \(fix)")
        }
        return value
    }
}

/// Reads a pipe to its end on a thread of its own; `bytes()` waits for that. The bytes are handed over under a
/// lock: polling `Thread.isFinished`, as this did before, orders nothing, and ThreadSanitizer reported the read of
/// the bytes racing with their write (docs/sanitizers.md).
private final class PipeReader: @unchecked Sendable {
    private let condition = NSCondition()
    private var data: Data?

    init(_ handle: FileHandle) {
        Thread { [self] in
            let read = handle.readDataToEndOfFile()
            condition.lock()
            data = read
            condition.signal()
            condition.unlock()
        }.start()
    }

    func bytes() -> Data {
        condition.lock()
        defer { condition.unlock() }
        while data == nil { condition.wait() }
        return data!
    }
}

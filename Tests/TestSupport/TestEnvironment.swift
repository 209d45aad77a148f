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

    /// The directory of full-size reference files generated into the cache (`ZOO_GOLDEN`).
    public static func golden() throws -> URL {
        let path = try environment("ZOO_GOLDEN", fix: "run `make test`, or `export ZOO_GOLDEN=$(scripts/golden.sh)`")
        let url = URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent(".complete").path) else {
            throw Missing(description: "reference files in \(path) are incomplete: rerun scripts/golden.sh")
        }
        return url
    }

    /// The directory of Keras' per-layer activations for the full-size models (`ZOO_GOLDEN_ACTIVATIONS`):
    /// `<model>/activations.safetensors` and `activations.json`.
    public static func goldenActivations() throws -> URL {
        let path = try environment("ZOO_GOLDEN_ACTIVATIONS",
                                   fix: "run `make test`, or `export ZOO_GOLDEN_ACTIVATIONS=$(scripts/golden-activations.sh | tail -n1)`")
        let url = URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("activations.json").path) else {
            throw Missing(description: "golden activations in \(path) are incomplete (no activations.json): rerun scripts/golden-activations.sh")
        }
        return url
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
        nonisolated(unsafe) var errData = Data()
        let errReader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        errReader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errReader.isFinished { usleep(1000) }
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs a Python script from Tests/GoldenOutputs with the pinned interpreter.
    public static func runPython(_ script: String, _ arguments: [String]) throws -> Result {
        let path = repositoryRoot.appendingPathComponent("Tests/GoldenOutputs/\(script)").path
        return try run(python(), [path] + arguments, environment: ["TF_CPP_MIN_LOG_LEVEL": "3"])
    }

    private static func environment(_ name: String, fix: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw Missing(description: "\(name) is not set: \(fix)")
        }
        return value
    }
}

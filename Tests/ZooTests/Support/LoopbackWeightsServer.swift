import Foundation
import TestSupport

/// The real HTTP server of Tests/HTTPServer/weights_server.py, on 127.0.0.1 at a free port, serving `root`'s files
/// (a good file, a truncated one, a stalled one, a redirect, a 404, Range requests). It stops when this object's
/// `stop()` closes its standard input, or when the test process ends.
final class LoopbackWeightsServer {
    let root: URL
    let port: Int
    private let process: Process
    private let input: Pipe
    private let log: URL

    init(root: URL) throws {
        self.root = root
        log = root.appendingPathComponent("requests.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.python())
        process.arguments = [TestEnvironment.repositoryRoot.appendingPathComponent("Tests/HTTPServer/weights_server.py").path,
                             root.path, log.path]
        input = Pipe()
        let output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // The first line is `port N`; anything else means the server did not start.
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != UInt8(ascii: "\n") {
            line.append(first)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("port "), let port = Int(text.dropFirst(5)) else {
            process.waitUntilExit()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw TestEnvironment.Missing(description: "weights_server.py did not start (status \(process.terminationStatus)): \(text)\(stderr)")
        }
        self.port = port
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

    /// The requests served so far, one `GET PATH range=RANGE` line each.
    var requests: [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// `ZOO_PYTHON`, else `python3` on PATH: the server needs only Python's standard library.
    private static func python() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let pinned = environment["ZOO_PYTHON"], !pinned.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: pinned) else {
                throw TestEnvironment.Missing(description: "ZOO_PYTHON=\(pinned) is not an executable: export ZOO_PYTHON=$(scripts/python-env.sh), or unset it to use python3 from PATH")
            }
            return pinned
        }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TestEnvironment.Missing(description: "the zoo fetch tests serve files with python3, which is neither $ZOO_PYTHON nor on PATH: install it (apt-get install python3) or export ZOO_PYTHON=$(scripts/python-env.sh)")
    }
}

import Foundation
import TestSupport

/// Runs a reference script from Tests/GoldenOutputs/data once per test process into a fresh
/// temporary directory, and reads what it wrote. A missing interpreter or a failing script is a
/// test failure that says how to fix it.
enum References {
    static let images = Result { try generate("data/image_references.py") }
    static let augmentation = Result { try generate("data/augmentation_references.py") }

    /// A fresh directory inside this test process's scratch folder, which is removed when the
    /// process exits.
    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = scratch.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private static let scratch: URL = {
        atexit { try? FileManager.default.removeItem(at: References.scratchPath()) }
        return scratchPath()
    }()

    private static func scratchPath() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("zoo-bench-tests-\(getpid())")
    }

    private static func generate(_ script: String) throws -> URL {
        let directory = try temporaryDirectory("reference")
        try TestEnvironment.generateReference(script, into: directory)
        return directory
    }

    static func json<T: Decodable>(_ type: T.Type, _ url: URL) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    static func floats(_ url: URL) throws -> [Float] {
        let data = try Data(contentsOf: url)
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    static func bytes(_ url: URL) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: url))
    }

    static func uint16s(_ url: URL) throws -> [UInt16] {
        let data = try Data(contentsOf: url)
        return data.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
    }

    /// How many samples differ (a count keeps failure messages short).
    static func mismatchCount<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
        zip(a, b).filter { $0 != $1 }.count + abs(a.count - b.count)
    }

    /// Largest absolute difference, for messages and tolerances.
    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}

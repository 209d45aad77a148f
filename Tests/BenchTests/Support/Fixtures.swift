import Foundation
@testable import Bench

/// Synthetic datasets written once per test process (through the real writer: libpng, libjpeg).
enum Fixtures {
    static let tuberculosis = Result { try write(.tb, count: 24, seed: 7) }
    static let melanoma = Result { try write(.melanoma, count: 10, seed: 7) }

    private static func write(_ kind: SyntheticDatasetWriter.Kind, count: Int, seed: UInt64) throws -> URL {
        let root = try References.temporaryDirectory("synthetic-\(kind.rawValue)")
        try SyntheticDatasetWriter.write(kind, to: root, count: count, seed: seed)
        return root
    }

    /// An empty file (enough for listing tests), creating folders on the way.
    static func touch(_ root: URL, _ path: String, _ contents: Data = Data()) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url)
    }
}

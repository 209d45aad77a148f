import Crypto
import Foundation

/// SHA-256 digests as 64 lowercase hex digits: how manifests and dataset descriptions name a file's content.
/// (The converter hashes checkpoints with its own reader; the data pipeline does not link the converter.)
enum ContentHash {
    static func sha256Hex(of bytes: some DataProtocol) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// Reads the file a megabyte at a time, so a large image is never held twice.
    static func sha256Hex(ofFileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DataError(file: path, kind: .unreadable, problem: "cannot open the file for hashing")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        } catch {
            throw DataError(file: path, kind: .unreadable, problem: "read failed while hashing (\(error.localizedDescription))")
        }
        return hex(hasher.finalize())
    }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

import Crypto
import Foundation
import Tensor

/// One cached feature tensor as a file: a header that says what it is, then the float32 values.
///
///     magic "ZOOFEAT1" (8 bytes) | format version (UInt32) | key digest (32 bytes) | rank (UInt32)
///     | rank dimensions (UInt64 each) | payload SHA-256 (32 bytes) | payload: count float32 values
///
/// Integers and floats little-endian. Reading checks every part, so a truncated file, a flipped byte, an entry
/// written under another key (a hash-prefix collision, a file copied by hand) or an older format is refused
/// with the reason, never returned as features.
enum FeatureEntry {
    static let magic = Array("ZOOFEAT1".utf8)
    static let version: UInt32 = 1

    /// The bytes of the entry for `tensor` (its whole shape is recorded: the batch axis is the caller's to drop).
    static func encode(_ tensor: Tensor, key: FeatureKey) -> Data {
        let payload = Data(bytes: tensor.pointer, count: tensor.count * MemoryLayout<Float>.size)
        var data = Data(magic)
        append(version, to: &data)
        data.append(contentsOf: key.digest)
        append(UInt32(tensor.shape.count), to: &data)
        for dimension in tensor.shape { append(UInt64(dimension), to: &data) }
        data.append(contentsOf: SHA256.hash(data: payload))
        data.append(payload)
        return data
    }

    /// The tensor an entry holds, or why it is not a valid entry for `key`.
    static func decode(_ data: Data, key: FeatureKey) -> Result<Tensor, Damage> {
        var reader = Reader(data: data)
        guard let magic = reader.bytes(8), magic == FeatureEntry.magic else { return .failure(Damage("not a Zoo feature entry (bad magic)")) }
        guard let version: UInt32 = reader.integer() else { return .failure(Damage("truncated header")) }
        guard version == FeatureEntry.version else { return .failure(Damage("format version \(version), expected \(FeatureEntry.version)")) }
        guard let digest = reader.bytes(32), let rank: UInt32 = reader.integer(), rank <= 8 else {
            return .failure(Damage("truncated or malformed header"))
        }
        guard digest == key.digest else { return .failure(Damage("entry for another key")) }
        var shape: [Int] = []
        for _ in 0..<rank {
            guard let dimension: UInt64 = reader.integer(), dimension > 0, dimension < 1 << 32 else {
                return .failure(Damage("truncated or malformed shape"))
            }
            shape.append(Int(dimension))
        }
        guard let checksum = reader.bytes(32) else { return .failure(Damage("truncated header")) }
        let count = shape.reduce(1, *)
        let payload = reader.rest
        guard payload.count == count * MemoryLayout<Float>.size else {
            return .failure(Damage("payload of \(payload.count) bytes, shape \(shape) needs \(count * MemoryLayout<Float>.size)"))
        }
        guard Array(SHA256.hash(data: payload)) == checksum else { return .failure(Damage("payload checksum mismatch")) }
        do {
            let tensor = try Tensor(shape: shape)
            payload.withUnsafeBytes { bytes in
                _ = bytes.copyBytes(to: UnsafeMutableRawBufferPointer(start: tensor.pointer, count: payload.count))
            }
            return .success(tensor)
        } catch {
            return .failure(Damage("cannot hold shape \(shape) (\(error))"))
        }
    }

    /// Why an entry was refused.
    struct Damage: Error, Sendable {
        let problem: String
        init(_ problem: String) { self.problem = problem }
    }

    private static func append<Integer: FixedWidthInteger>(_ value: Integer, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    /// Reads the header's fields in order; nil past the end.
    private struct Reader {
        let data: Data
        var position: Int

        init(data: Data) {
            self.data = data
            position = data.startIndex
        }

        mutating func bytes(_ count: Int) -> [UInt8]? {
            guard data.endIndex - position >= count else { return nil }
            defer { position += count }
            return Array(data[position..<position + count])
        }

        mutating func integer<Integer: FixedWidthInteger>() -> Integer? {
            bytes(MemoryLayout<Integer>.size).map { bytes in
                bytes.reversed().reduce(Integer.zero) { ($0 << 8) | Integer($1) }
            }
        }

        var rest: Data { data[position...] }
    }
}

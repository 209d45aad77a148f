import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A safetensors file opened read-only through a memory mapping.
///
/// Opening parses and validates the header only, so it takes milliseconds whatever the file's
/// size; tensor bytes are paged in when touched. The data hash is checked only on request
/// (`verifyDataHash`), since that reads every byte. The mapping is immutable and lives as long as
/// the object, so instances can be shared across threads; the file must not be truncated while
/// open (no mapping survives that).
public final class SafetensorsFile: @unchecked Sendable {
    public struct TensorInfo: Sendable, Equatable {
        public let name: String
        /// The safetensors dtype name: F32, F16, BF16, I8, or any other the format defines.
        public let dtype: String
        public let shape: [Int]
        /// The tensor's `data_offsets`: bytes relative to the start of the data buffer, which
        /// begins at `dataStart` in the file.
        public let byteRange: Range<Int>
    }

    public enum HashVerification: Equatable, Sendable {
        case verified
        case mismatch(expected: String, actual: String)
        /// The file has no `data_sha256` metadata (not written by Zoo).
        case absent
    }

    public let path: String
    public let metadata: [String: String]
    /// In data-offset order.
    public let tensors: [TensorInfo]
    public let fileSize: Int
    /// The JSON header's length in bytes, padding included, as stored in the first 8 bytes.
    public let headerSize: Int
    private let file: MappedFile
    private var mapping: UnsafeRawBufferPointer { file.bytes }
    private let indexByName: [String: Int]

    /// File offset of the data buffer: the 8-byte length, then the header.
    public var dataStart: Int { 8 + headerSize }

    public init(path: String) throws {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            throw error.operation.map { ioError(path: path, $0, code: error.code) }
                ?? SafetensorsError(path: path, problem: .notRegularFile)
        }
        let mapping = file.bytes, fileSize = mapping.count
        guard fileSize >= 8 else { throw SafetensorsError(path: path, problem: .fileTooShort(size: fileSize)) }
        let length = UInt64(littleEndian: mapping.loadUnaligned(as: UInt64.self))
        guard length <= UInt64(SafetensorsFormat.maximumHeaderLength) else {
            throw SafetensorsError(path: path, problem: .headerTooLarge(length: length, limit: SafetensorsFormat.maximumHeaderLength))
        }
        guard length <= UInt64(fileSize - 8) else {
            throw SafetensorsError(path: path, problem: .headerBeyondFile(length: length, fileSize: fileSize))
        }
        let headerSize = Int(length)
        let header = try ValidatedHeader(path: path, json: UnsafeRawBufferPointer(rebasing: mapping[8..<(8 + headerSize)]),
                                         dataSize: fileSize - 8 - headerSize)
        self.path = path
        self.metadata = header.metadata
        self.tensors = header.tensors
        self.fileSize = fileSize
        self.headerSize = headerSize
        self.indexByName = Dictionary(uniqueKeysWithValues: header.tensors.enumerated().map { ($1.name, $0) })
        self.file = file
    }

    public func tensor(named name: String) -> TensorInfo? {
        indexByName[name].map { tensors[$0] }
    }

    /// The tensor's stored bytes, pointing into the mapping: valid while this object lives.
    /// Only as aligned as the file makes them (Zoo's files: to the element width).
    public func rawBytes(of tensor: TensorInfo) -> UnsafeRawBufferPointer {
        let range = (dataStart + tensor.byteRange.lowerBound)..<(dataStart + tensor.byteRange.upperBound)
        precondition(tensor.byteRange.lowerBound >= 0 && range.upperBound <= fileSize,
                     "tensor \(tensor.name) is not from \(path)")
        return UnsafeRawBufferPointer(rebasing: mapping[range])
    }

    /// The tensor's values widened to Float (exactly: every F16 and BF16 value is a Float).
    public func floats(of tensor: TensorInfo) throws -> [Float] {
        let bytes = rawBytes(of: tensor)
        switch tensor.dtype {
        case "F32":
            return Array(unsafeUninitializedCapacity: bytes.count / 4) { buffer, count in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
                count = bytes.count / 4
            }
        case "F16", "BF16":
            let widen = tensor.dtype == "F16" ? widenHalf : widenBFloat16
            return Array(unsafeUninitializedCapacity: bytes.count / 2) { buffer, count in
                widen(bytes, buffer)
                count = bytes.count / 2
            }
        default:
            throw SafetensorsError(path: path, problem: .notFloatTensor(tensor: tensor.name, dtype: tensor.dtype))
        }
    }

    /// Hashes the whole data buffer and compares it with `data_sha256` from the metadata.
    public func verifyDataHash() -> HashVerification {
        guard let expected = metadata[SafetensorsFormat.dataHashKey] else { return .absent }
        let data = UnsafeRawBufferPointer(rebasing: mapping[dataStart...])
        var hasher = SHA256()
        hasher.update(bufferPointer: data)
        let actual = hexString(hasher.finalize())
        return expected.lowercased() == actual ? .verified : .mismatch(expected: expected, actual: actual)
    }
}

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

    /// Drops this process's pages of `bytes` (part of the mapping, from `rawBytes`) once they have been
    /// copied out: the mapping is private and read-only, so this frees memory and a later read simply
    /// faults the pages in again.
    public func releasePages(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, let start = mapping.baseAddress else { return }
        let offset = base - start
        file.release(offset..<(offset + bytes.count))
    }

    /// The tensor's values widened to Float (exactly: every F16 and BF16 value is a Float).
    public func floats(of tensor: TensorInfo) throws -> [Float] {
        let count = tensor.shape.reduce(1, *)
        return try Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            try floats(of: tensor, elements: 0..<count, into: buffer)
            initialized = count
        }
    }

    /// Elements `elements` of the tensor (flat, row-major) widened to Float into the start of `destination`:
    /// a reader can take a large 16-bit tensor a block at a time.
    public func floats(of tensor: TensorInfo, elements: Range<Int>, into destination: UnsafeMutableBufferPointer<Float>) throws {
        let width: Int
        switch tensor.dtype {
        case "F32": width = 4
        case "F16", "BF16": width = 2
        default: throw SafetensorsError(path: path, problem: .notFloatTensor(tensor: tensor.name, dtype: tensor.dtype))
        }
        let bytes = rawBytes(of: tensor)
        precondition(elements.lowerBound >= 0 && elements.upperBound * width <= bytes.count && elements.count <= destination.count,
                     "elements \(elements) of \(tensor.name) into \(destination.count) floats")
        let source = UnsafeRawBufferPointer(rebasing: bytes[(elements.lowerBound * width)..<(elements.upperBound * width)])
        let target = UnsafeMutableBufferPointer(rebasing: destination[0..<elements.count])
        switch tensor.dtype {
        case "F32": UnsafeMutableRawBufferPointer(target).copyMemory(from: source)
        case "F16": widenHalf(source, into: target)
        default: widenBFloat16(source, into: target)
        }
    }

    /// The metadata a file rewritten from this one carries over: all of it but `data_sha256`, which the writer
    /// computes for the data it writes (and refuses to be given).
    public var metadataToCarry: [String: String] {
        metadata.filter { $0.key != SafetensorsFormat.dataHashKey }
    }

    /// The precisions the tensors are stored in, in `StorageDType`'s order (a dtype Zoo does not read is left out:
    /// reading that tensor fails with its name).
    public var storageDTypes: [StorageDType] {
        let stored = Set(tensors.map(\.dtype))
        return StorageDType.allCases.filter { stored.contains($0.rawValue) }
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

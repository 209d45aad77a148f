import Crypto
import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one safetensors file, streaming: the header first (everything in it follows from the
/// declaration), then each tensor's values as they are appended, hashed on the way out.
///
/// The file is built under a temporary name next to `path` and renamed over it only by `finish`,
/// so a reader never sees a partial file at `path`. Any failure removes the temporary file at
/// once; dropping the writer without `finish` or `abort` removes it too.
///
///     var writer = try SafetensorsWriter(path: out, tensors: specs, dtype: .f16, metadata: meta)
///     for values in weights { try values.withUnsafeBufferPointer { try writer.append($0) } }
///     try writer.finish()
public struct SafetensorsWriter: ~Copyable {
    public let path: String
    public let temporaryPath: String
    public let dtype: StorageDType
    private let tensors: [(name: String, elementCount: Int)]
    /// File offset of the 64 placeholder digits of `data_sha256`.
    private let hashOffset: Int
    /// The header as written, to find the placeholders `finish(patching:)` fills in.
    private let header: [UInt8]
    private var descriptor: Int32
    private var hasher = SHA256()
    private var nextTensor = 0
    /// Converted F16/BF16 values on their way to `write`; nil for F32, which is written straight
    /// from the caller's buffer.
    private let staging: UnsafeMutableBufferPointer<UInt16>?
    /// Set once the temporary file is gone: renamed by `finish`, or removed on failure or abort.
    private var isClosed = false

    /// Bytes hashed and written per step: large enough that system call overhead vanishes, small
    /// enough that a step's bytes are still in cache when `write` copies them after hashing.
    static let chunkBytes = 1 << 20

    /// Creates `<dir>/.<name>.tmp-<random>` next to `path` and writes the header into it: metadata
    /// (plus a placeholder `data_sha256`) and every tensor's entry in the given order, with
    /// offsets computed from the shapes and `dtype`.
    public init(path: String, tensors: [(name: String, shape: [Int])], dtype: StorageDType,
                metadata: [String: String]) throws {
        let layout = try HeaderLayout(path: path, tensors: tensors, dtype: dtype, metadata: metadata)
        let temporaryPath = TemporaryFiles.name(for: path)

        // Listed before it exists: a Ctrl-C between creating and listing it would leave it behind.
        TemporaryFiles.register(temporaryPath)
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let code = errno
            TemporaryFiles.forget(temporaryPath)
            throw ioError(path: path, "create temporary file \(temporaryPath)", code: code)
        }
        do {
            var length = UInt64(layout.json.count).littleEndian
            try withUnsafeBytes(of: &length) { prefix in
                try writeAll(descriptor, prefix, path: path, operation: "write \(temporaryPath)")
            }
            try layout.json.withUnsafeBytes { json in
                try writeAll(descriptor, json, path: path, operation: "write \(temporaryPath)")
            }
        } catch {
            Self.remove(descriptor: descriptor, temporaryPath: temporaryPath)
            throw error
        }

        self.path = path
        self.temporaryPath = temporaryPath
        self.dtype = dtype
        self.tensors = zip(tensors, layout.elementCounts).map { ($0.name, $1) }
        self.hashOffset = 8 + layout.hashValueOffset
        self.header = layout.json
        self.descriptor = descriptor
        self.staging = dtype == .f32 ? nil : .allocate(capacity: Self.chunkBytes / dtype.byteWidth)
    }

    deinit {
        if !isClosed { Self.remove(descriptor: descriptor, temporaryPath: temporaryPath) }
        staging?.deallocate()
    }

    /// Appends the next declared tensor's values, converted to the storage dtype (rounding to
    /// nearest even), hashing the stored bytes as they are written. On any error the temporary
    /// file is removed and the writer is closed.
    public mutating func append(_ values: UnsafeBufferPointer<Float>) throws {
        try appendNext(count: values.count) { writer throws in
            if let staging = writer.staging {
                let convert = writer.dtype == .f16 ? convertToHalf : convertToBFloat16
                var start = 0
                while start < values.count {
                    let chunk = UnsafeBufferPointer(rebasing: values[start..<min(start + staging.count, values.count)])
                    convert(chunk, staging)
                    try writer.emit(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(staging)[..<(chunk.count * 2)]))
                    start += chunk.count
                }
            } else {
                try writer.emitChunked(UnsafeRawBufferPointer(values))
            }
        }
    }

    /// Appends the next declared tensor of an F32 file from bytes that already are little-endian
    /// float32, as a checkpoint stores them: taken as they are, with no copy and no alignment
    /// requirement (they may sit at any offset of a memory-mapped checkpoint).
    public mutating func append(float32Bytes bytes: UnsafeRawBufferPointer) throws {
        precondition(dtype == .f32, "raw float32 bytes go only into an F32 file; convert through append(_:)")
        try appendNext(count: bytes.count / 4) { writer throws in try writer.emitChunked(bytes) }
    }

    private mutating func appendNext(count: Int, _ body: (inout SafetensorsWriter) throws -> Void) throws {
        guard !isClosed else { throw failure(.writerClosed) }
        guard nextTensor < tensors.count else {
            abandon()
            throw failure(.unexpectedTensor(declared: tensors.count))
        }
        let (name, expected) = tensors[nextTensor]
        guard count == expected else {
            abandon()
            throw failure(.elementCountMismatch(tensor: name, expected: expected, actual: count))
        }
        do {
            try body(&self)
        } catch {
            abandon()
            throw error
        }
        nextTensor += 1
    }

    private mutating func emitChunked(_ bytes: UnsafeRawBufferPointer) throws(SafetensorsError) {
        var start = 0
        while start < bytes.count {
            let end = min(start + Self.chunkBytes, bytes.count)
            try emit(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
            start = end
        }
    }

    public mutating func append(_ values: [Float]) throws {
        try values.withUnsafeBufferPointer { try append($0) }
    }

    /// Checks every declared tensor was appended, patches `data_sha256` into the header and renames
    /// the file over `path`. On failure nothing is left behind. No fsync by default: like `cp`, the
    /// data reaches the disk when the kernel writes it back; the rename already guarantees that `path`
    /// never holds a partial file while the system runs, and a 550 MB fsync would double the time.
    ///
    /// `patching` fills metadata values that were only known after the data (the source file's
    /// hash, computed alongside the conversion): each key is a placeholder written into the
    /// metadata at `init`, each value its replacement of exactly the same length.
    ///
    /// `durable` syncs the file before the rename and the directory after it, so that `path` holds
    /// the whole new file or the whole old one even after a power loss: for small files that a run
    /// resumes from (training checkpoints).
    public consuming func finish(patching patches: [String: String] = [:], durable: Bool = false) throws {
        guard !isClosed else { throw failure(.writerClosed) }
        for (placeholder, value) in patches {
            let needle = Array(placeholder.utf8)
            guard value.utf8.count == needle.count, let start = header.firstRange(of: needle)?.lowerBound else {
                abandon()
                throw failure(.placeholderMissing(placeholder))
            }
            do {
                try Array(value.utf8).withUnsafeBytes { bytes in
                    try pwriteAll(descriptor, bytes, at: 8 + start, path: path, operation: "write \(temporaryPath)")
                }
            } catch {
                abandon()
                throw error
            }
        }
        guard nextTensor == tensors.count else {
            abandon()
            throw failure(.incomplete(written: nextTensor, declared: tensors.count))
        }
        let digest = Array(hexString(hasher.finalize()).utf8)
        do {
            try digest.withUnsafeBytes { digest in
                try pwriteAll(descriptor, digest, at: hashOffset, path: path, operation: "write \(temporaryPath)")
            }
            if durable, fsync(descriptor) != 0 {
                let code = errno
                throw ioError(path: path, "fsync \(temporaryPath)", code: code)
            }
            let closing = descriptor
            descriptor = -1
            guard close(closing) == 0 else {
                let code = errno
                throw ioError(path: path, "close \(temporaryPath)", code: code)
            }
            guard rename(temporaryPath, path) == 0 else {
                let code = errno
                throw ioError(path: path, "rename \(temporaryPath) to \(path)", code: code)
            }
            TemporaryFiles.forget(temporaryPath)
            if durable { try Self.syncDirectory(of: path) }
        } catch {
            abandon()
            throw error
        }
        isClosed = true
    }

    /// Removes the temporary file without writing `path`. For error paths that do not go through
    /// the writer; dropping the writer does the same.
    public consuming func abort() {
        if !isClosed { abandon() }
    }

    /// Hashes and writes one chunk, the two at once on two threads: each alone runs at about the
    /// speed of `cp`, so one after the other would make the writer half as fast as a copy.
    private mutating func emit(_ bytes: UnsafeRawBufferPointer) throws(SafetensorsError) {
        let (descriptor, path, temporaryPath) = (self.descriptor, self.path, self.temporaryPath)
        // Unchecked, and safe: the two parts touch disjoint state (the hasher; the failure), only
        // read `chunk`, and concurrentPerform returns only once both are done.
        nonisolated(unsafe) let chunk = bytes
        nonisolated(unsafe) var failure: SafetensorsError?
        withUnsafeMutablePointer(to: &hasher) { hasher in
            nonisolated(unsafe) let hasher = hasher
            DispatchQueue.concurrentPerform(iterations: 2) { part in
                if part == 0 {
                    hasher.pointee.update(bufferPointer: chunk)
                } else {
                    do throws(SafetensorsError) {
                        try writeAll(descriptor, chunk, path: path, operation: "write \(temporaryPath)")
                    } catch {
                        failure = error
                    }
                }
            }
        }
        if let failure { throw failure }
    }

    private mutating func abandon() {
        Self.remove(descriptor: descriptor, temporaryPath: temporaryPath)
        descriptor = -1
        isClosed = true
    }

    private func failure(_ problem: SafetensorsError.Problem) -> SafetensorsError {
        SafetensorsError(path: path, problem: problem)
    }

    /// Makes a rename in `path`'s directory durable: the directory's entry is what the rename changed.
    private static func syncDirectory(of path: String) throws(SafetensorsError) {
        let directory = path.lastIndex(of: "/").map { String(path[...$0]) } ?? "."
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            throw ioError(path: path, "open directory \(directory)", code: code)
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            let code = errno
            throw ioError(path: path, "fsync directory \(directory)", code: code)
        }
    }

    private static func remove(descriptor: Int32, temporaryPath: String) {
        if descriptor >= 0 { close(descriptor) }
        unlink(temporaryPath)
        TemporaryFiles.forget(temporaryPath)
    }
}

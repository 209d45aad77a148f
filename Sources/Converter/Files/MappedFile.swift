#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole regular file mapped read-only into memory; the pages stay the kernel's page cache, so
/// reading them costs no copy and no private memory. Checkpoints, `.keras` archives and converted
/// safetensors files are all read through it.
final class MappedFile: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer

    /// Why a file could not be mapped; each reader turns it into its own error.
    struct Failure: Error, CustomStringConvertible {
        let path: String
        /// What failed ("open", "stat", "map into memory"), or nil: not a regular file.
        let operation: String?
        let code: Int32
        var reason: String { operation.map { "cannot \($0): \(String(cString: strerror(code)))" } ?? "not a regular file" }
        var description: String { "\(path): \(reason)" }
    }

    init(path: String) throws(Failure) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(path: path, operation: "open", code: errno) }
        // The mapping keeps the contents reachable; the descriptor is not needed after.
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Failure(path: path, operation: "stat", code: errno) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw Failure(path: path, operation: nil, code: 0) }
        let size = Int(status.st_size)
        guard size > 0 else { bytes = UnsafeRawBufferPointer(start: nil, count: 0); return }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw Failure(path: path, operation: "map into memory", code: errno)
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    /// Drops the pages of `range` from this process (they stay in the page cache and come back if
    /// read again), so streaming through a large mapping keeps resident memory small.
    func release(_ range: Range<Int>) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + page - 1) / page * page, end = range.upperBound / page * page
        guard let base = bytes.baseAddress, end > start else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, Int32(MADV_DONTNEED))
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}

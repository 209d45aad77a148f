#if canImport(Glibc)
import Glibc
#endif

/// Zoo's file readers take a path (they map the file), so each fuzz input is written to one scratch
/// file in /dev/shm (memory, not disk) that the harness reuses for every run.
enum FuzzInput {
    nonisolated(unsafe) private static var paths: [String: String] = [:]

    /// The input's bytes as the file `<scratch>.<suffix>`; the suffix matters to readers that dispatch on it.
    static func file(_ data: UnsafePointer<UInt8>, _ size: Int, suffix: String) -> String {
        let path = paths[suffix] ?? "/dev/shm/zoo-fuzz-\(getpid()).\(suffix)"
        paths[suffix] = path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(descriptor >= 0, "cannot create \(path)")
        var offset = 0
        while offset < size {
            let written = write(descriptor, data + offset, size - offset)
            precondition(written > 0, "cannot write \(path)")
            offset += written
        }
        close(descriptor)
        return path
    }
}

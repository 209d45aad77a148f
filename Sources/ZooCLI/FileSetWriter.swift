import Converter
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files that belong together (a report's Markdown, plot and table): each is written whole under a temporary
/// name beside its place, and only when every one is complete are they renamed into place, in the order given. A
/// failure before the renames removes the temporary files and leaves the places as they were; a rename itself failing
/// (rare: the folder was checked first) can leave the files renamed before it in place.
enum FileSetWriter {
    /// Fails with one line naming the file and the system's reason (never a Foundation error domain). The paths in
    /// `executables` (scripts) are created runnable, so no moment exists when the file is in place but cannot run.
    static func write(_ files: [(path: String, text: String)], role: String, executables: Set<String> = []) throws {
        var staged: [(temporary: String, path: String)] = []
        defer { for file in staged { unlink(file.temporary); TemporaryFiles.forget(file.temporary) } }
        for file in files {
            let temporary = TemporaryFiles.name(for: file.path)
            TemporaryFiles.register(temporary)
            if let reason = writeWhole(Data(file.text.utf8), to: temporary, mode: executables.contains(file.path) ? 0o755 : 0o644) {
                TemporaryFiles.forget(temporary)
                throw CommandFailure("\(file.path): cannot write the \(role): \(reason)")
            }
            staged.append((temporary, file.path))
        }
        while !staged.isEmpty {
            let file = staged.removeFirst()
            defer { TemporaryFiles.forget(file.temporary) }
            guard rename(file.temporary, file.path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(file.temporary)
                throw CommandFailure("\(file.path): cannot write the \(role): \(reason)")
            }
        }
    }

    /// Creates `path` (which must not exist) holding `data`, with `mode` (less the umask); the system's reason on
    /// failure, nil on success.
    private static func writeWhole(_ data: Data, to path: String, mode: mode_t) -> String? {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { return String(cString: strerror(errno)) }
        let failure: String? = data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                offset += written
            }
            return nil
        }
        let closed = close(descriptor) == 0 ? nil : String(cString: strerror(errno))
        if let reason = failure ?? closed {
            unlink(path)
            return reason
        }
        return nil
    }
}

// The few system calls the writer and reader need, with errors turned into SafetensorsError.
// Plain POSIX rather than FileHandle: the writer needs O_EXCL, pwrite, fsync and rename with
// their exact semantics, and the reader needs mmap.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An `io` problem for an `errno` value; callers read `errno` first, before anything (building
/// the operation's text, say) can overwrite it.
func ioError(path: String, _ operation: String, code: Int32) -> SafetensorsError {
    SafetensorsError(path: path, problem: .io(operation: operation, message: String(cString: strerror(code))))
}

/// Writes all of `bytes` at the descriptor's position; `write` may take less than asked
/// (signals, and Linux caps one call at about 2 GiB), so it loops.
func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String, operation: @autoclosure () -> String) throws(SafetensorsError) {
    var done = 0
    while done < bytes.count {
        let written = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
        if written < 0 {
            let code = errno
            if code == EINTR { continue }
            throw ioError(path: path, operation(), code: code)
        }
        done += written
    }
}

/// Writes all of `bytes` at `offset` without moving the descriptor's position.
func pwriteAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String, operation: @autoclosure () -> String) throws(SafetensorsError) {
    var done = 0
    while done < bytes.count {
        let written = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
        if written < 0 {
            let code = errno
            if code == EINTR { continue }
            throw ioError(path: path, operation(), code: code)
        }
        done += written
    }
}

/// Fills `buffer` from the descriptor's position; returns fewer bytes only at end of file.
func readFully(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws(SafetensorsError) -> Int {
    var done = 0
    while done < buffer.count {
        let count = read(descriptor, buffer.baseAddress! + done, buffer.count - done)
        if count < 0 {
            let code = errno
            if code == EINTR { continue }
            throw ioError(path: path, "read", code: code)
        }
        if count == 0 { break }
        done += count
    }
    return done
}

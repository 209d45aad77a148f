import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `results.jsonl`: one `RunRecord` per line, appended as each run finishes, so a long `zoo bench` keeps every
/// finished run if it is killed. A line is written with one `write` and fsynced before `append` returns; a process
/// killed mid-write can still leave a partial last line, which `read` reports and skips (and the next `append`
/// cuts off) instead of failing the whole log. A damaged line anywhere else is an error: that is not a torn
/// write but a corrupted file.
public struct ResultsLog: Sendable {
    public let url: URL

    public init(url: URL) {
        self.url = url
    }

    /// What `read` found: the complete records in file order, and a warning per line it skipped.
    public struct Contents: Sendable {
        public let records: [RunRecord]
        public let warnings: [String]
    }

    /// Appends `record` as one line and fsyncs it. Returns a warning when a torn last line (left by a killed
    /// run) had to be cut off first, so the new record does not get glued onto it.
    @discardableResult
    public func append(_ record: RunRecord) throws -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(record)  // JSON escapes newlines in strings: the record stays on one line
        line.append(UInt8(ascii: "\n"))

        let descriptor = open(url.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("cannot open for appending", errno) }
        defer { close(descriptor) }
        // Runs in parallel processes may share one log: one at a time inspects the tail and appends.
        guard flock(descriptor, LOCK_EX) == 0 else { throw failure("cannot lock", errno) }
        let warning = try repairTail(descriptor)
        try line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw failure("cannot append a record", errno)
                }
                offset += written
            }
        }
        guard fsync(descriptor) == 0 else { throw failure("fsync failed", errno) }
        return warning
    }

    /// Every complete record. A missing file is an empty log.
    public func read() throws -> Contents {
        guard FileManager.default.fileExists(atPath: url.path) else { return Contents(records: [], warnings: []) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError(file: url.path, kind: .unreadable, problem: "cannot read (\(error.localizedDescription))")
        }
        let newline = UInt8(ascii: "\n")
        var lines = data.split(separator: newline, omittingEmptySubsequences: false)
        let terminated = data.last == newline || data.isEmpty
        if lines.last?.isEmpty == true { lines.removeLast() }

        let decoder = JSONDecoder()
        var records: [RunRecord] = [], warnings: [String] = []
        for (index, line) in lines.enumerated() where !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) {
            let isTornTail = index == lines.count - 1 && !terminated
            do {
                records.append(try decoder.decode(RunRecord.self, from: Data(line)))
            } catch where isTornTail {
                warnings.append("\(url.path): line \(index + 1) is an incomplete record (\(line.count) bytes, no newline), "
                                + "probably from a run killed while writing; ignored")
            } catch {
                throw DataError(file: url.path, kind: .corrupt, problem: "line \(index + 1) is not a run record (\(error))")
            }
        }
        return Contents(records: records, warnings: warnings)
    }

    /// When the file does not end with a newline: a last line that is a whole record gets its newline; anything
    /// else is a torn write and is cut off.
    private func repairTail(_ descriptor: Int32) throws -> String? {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("cannot stat", errno) }
        guard status.st_size > 0 else { return nil }
        var last: UInt8 = 0
        guard pread(descriptor, &last, 1, status.st_size - 1) == 1 else { throw failure("cannot read the last byte", errno) }
        guard last != UInt8(ascii: "\n") else { return nil }
        let data = try Data(contentsOf: url)
        let keep = data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        if (try? JSONDecoder().decode(RunRecord.self, from: data[keep...])) != nil {
            guard write(descriptor, "\n", 1) == 1 else { throw failure("cannot end the last record's line", errno) }
            return nil
        }
        guard ftruncate(descriptor, off_t(keep)) == 0 else { throw failure("cannot cut off the torn last line", errno) }
        return "\(url.path): cut off an incomplete last record (\(data.count - keep) bytes) left by a run killed while writing"
    }

    private func failure(_ what: String, _ code: Int32) -> DataError {
        DataError(file: url.path, kind: .writeFailed, problem: "\(what) (\(String(cString: strerror(code))))")
    }
}

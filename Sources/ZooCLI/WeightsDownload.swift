import Converter
import Foundation

/// One file fetched over HTTP(S) into `destination`, the way a large download should be: by a `curl` child process
/// (redirects followed, HTTP errors reported) into `<destination>.partial`, which a later run resumes with a Range
/// request; a watchdog ends a transfer that brings no byte for `timeout` seconds; the hash is checked and the file
/// renamed into place only when it matches, so the destination is never half-written.
///
/// curl rather than FoundationNetworking: resuming, redirects, stall detection and exact error codes are what curl
/// is built for, and `scripts/system-deps.sh` installs it.
struct WeightsDownload {
    let url: String
    let destination: URL
    let hash: KerasFileHash
    /// Seconds without a byte before the transfer is abandoned (and the connection attempt's limit).
    let timeout: Int
    /// Progress on standard error; nil for `--quiet`.
    let progress: DownloadProgress?

    var partial: URL { URL(fileURLWithPath: destination.path + ".partial") }

    struct Summary {
        let bytes: Int
        let resumedFrom: Int
        let seconds: Double
    }

    /// The error every failure becomes: the file, the URL and the problem in one line.
    private func failure(_ problem: String) -> CommandFailure {
        CommandFailure("\(destination.lastPathComponent) from \(url): \(problem)")
    }

    func run() throws -> Summary {
        let curl = try Self.curlExecutable()
        let start = Date()
        // Two downloads appending to one .partial file would interleave their bytes: the second is refused.
        let lock = open(partial.path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard lock >= 0 else { throw failure("cannot open \(partial.path): \(String(cString: strerror(errno)))") }
        defer { close(lock) }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            throw failure("\(partial.path) is locked: another zoo fetch is downloading this file")
        }
        var resumedFrom = Self.size(of: partial)
        var outcome = try transfer(curl, resumingFrom: resumedFrom)
        if resumedFrom > 0 && outcome.exitCode == Self.httpError && outcome.httpStatus == "416",
           (try? hash.digest(ofFileAt: partial.path)) == hash.hex {
            // Nothing past the kept bytes: an earlier run received the whole file and stopped before renaming it.
            outcome = Outcome(exitCode: 0, httpStatus: outcome.httpStatus, message: "", expectedTotal: resumedFrom)
        } else if resumedFrom > 0 && (outcome.exitCode == Self.rangeNotSupported || outcome.httpStatus == "416") {
            // The server ignores Range, or the kept bytes are not a start of this file: it is fetched whole.
            let reason = outcome.exitCode == Self.rangeNotSupported
                ? "the server does not resume downloads (no Range support)" : "the server has no bytes past the kept ones (HTTP 416)"
            progress?.note("\(reason): starting \(partial.lastPathComponent) again")
            // Emptied, not removed: the lock stays on the file curl writes.
            guard ftruncate(lock, 0) == 0 else { throw failure("cannot empty \(partial.path): \(String(cString: strerror(errno)))") }
            resumedFrom = 0
            outcome = try transfer(curl, resumingFrom: 0)
        }
        let received = Self.size(of: partial)
        guard outcome.exitCode == 0 else {
            if received == 0 { try? FileManager.default.removeItem(at: partial) }
            throw failure(explain(outcome, received: received))
        }

        let actual = try hash.digest(ofFileAt: partial.path)
        guard actual == hash.hex else {
            // Complete but wrong: resuming cannot mend it, so nothing is kept.
            try? FileManager.default.removeItem(at: partial)
            throw failure("\(hash.algorithm.rawValue) mismatch: expected \(hash.hex), got \(actual) (\(received.formatted()) bytes); the download was deleted and nothing was written to \(destination.path)")
        }
        // The data reaches the disk before the rename makes the file visible under its real name.
        guard fsync(lock) == 0 else { throw failure("cannot write \(partial.path) to disk: \(String(cString: strerror(errno)))") }
        guard rename(partial.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            throw failure("cannot rename \(partial.path) to \(destination.path): \(reason)")
        }
        return Summary(bytes: received, resumedFrom: resumedFrom, seconds: Date().timeIntervalSince(start))
    }

    // MARK: - The curl child

    /// curl's exit codes this download explains (curl's man page, "EXIT CODES").
    private static let couldNotConnect: Int32 = 7
    private static let partialFile: Int32 = 18
    private static let httpError: Int32 = 22
    private static let timedOut: Int32 = 28
    private static let rangeNotSupported: Int32 = 33
    /// Not curl's: the watchdog ended it.
    private static let stalled: Int32 = -1

    private struct Outcome {
        let exitCode: Int32
        let httpStatus: String
        let message: String
        /// The final response's total length (from Content-Range or Content-Length), when it said.
        let expectedTotal: Int?
    }

    private func transfer(_ curl: String, resumingFrom offset: Int) throws -> Outcome {
        let headers = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-fetch-\(UUID().uuidString).headers")
        defer { try? FileManager.default.removeItem(at: headers) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: curl)
        process.arguments = [
            "--disable",  // first: no ~/.curlrc changes what is fetched
            "--silent", "--show-error", "--fail", "--location", "--max-redirs", "10", "--globoff",
            "--proto", "=http,https", "--proto-redir", "=http,https",
            "--connect-timeout", "\(timeout)",
            "--continue-at", "-", "--output", partial.path, "--dump-header", headers.path,
            "--write-out", "%{http_code}", url,
        ]
        let status = Pipe(), errors = Pipe()
        process.standardOutput = status
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw failure("cannot start \(curl): \(SystemErrorText.reason(error))")
        }
        progress?.start(resumingFrom: offset)
        // The watchdog: the partial file not growing for `timeout` seconds, the response not begun included. (curl's
        // own --speed-time averages the rate over its last seconds, so a burst before the stall delays it by ~5 s.)
        var lastGrowth = Date(), lastSize = Self.size(of: partial), stalled = false
        while process.isRunning {
            usleep(100_000)
            let size = Self.size(of: partial)
            if size != lastSize { (lastSize, lastGrowth) = (size, Date()) }
            if Date().timeIntervalSince(lastGrowth) >= Double(timeout) && process.isRunning {
                stalled = true
                // SIGKILL, not terminate()'s SIGTERM: a child inherits its parent's blocked signals (a test runner
                // blocks SIGTERM), and curl holding the connection open would wait out the stalled server.
                kill(process.processIdentifier, SIGKILL)
                break
            }
            progress?.update(done: size, total: Self.expectedTotal(headers: headers, offset: offset))
        }
        process.waitUntilExit()
        let total = Self.expectedTotal(headers: headers, offset: offset)
        progress?.finish(done: Self.size(of: partial), total: total)
        return Outcome(exitCode: stalled ? Self.stalled : process.terminationStatus,
                       httpStatus: String(decoding: status.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                       message: String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                           .trimmingCharacters(in: .whitespacesAndNewlines),
                       expectedTotal: total)
    }

    private func explain(_ outcome: Outcome, received: Int) -> String {
        let kept = received > 0
            ? "; the \(received.formatted()) bytes received are kept in \(partial.path): run the same command again to resume"
            : ""
        switch outcome.exitCode {
        case Self.httpError:
            return "HTTP \(outcome.httpStatus) for \(url); nothing was written to \(destination.path)"
        case Self.partialFile:
            let expected = outcome.expectedTotal.map { " of \($0.formatted())" } ?? ""
            return "truncated: the server closed the connection after \(received.formatted())\(expected) bytes\(kept)"
        case Self.timedOut, Self.stalled:
            return "no data for \(timeout) s (the server stalled or did not answer; --timeout SECONDS waits longer)\(kept)"
        case Self.couldNotConnect:
            return "cannot connect (\(outcome.message))"
        default:
            return "curl failed with exit code \(outcome.exitCode): \(outcome.message)\(kept)"
        }
    }

    // MARK: - Helpers

    /// `curl` from PATH, or an error saying how to install it.
    static func curlExecutable() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/curl"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw CommandFailure("zoo fetch downloads with curl, which is not on PATH: install it (scripts/system-deps.sh, or apt-get install curl)")
    }

    /// The total length the last response announced: Content-Range's total for a resumed transfer (206), otherwise
    /// `offset` plus Content-Length. curl writes one header block per response, redirects included.
    static func expectedTotal(headers: URL, offset: Int) -> Int? {
        guard let text = try? String(contentsOf: headers, encoding: .utf8) else { return nil }
        // Only a success carries the file's length: a redirect's Content-Length is its own body's.
        guard let lastResponse = text.components(separatedBy: "\r\n\r\n").last(where: { $0.hasPrefix("HTTP/") }),
              lastResponse.split(separator: " ", maxSplits: 2).dropFirst().first?.hasPrefix("2") == true else { return nil }
        var contentLength: Int?
        for line in lastResponse.components(separatedBy: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            switch parts[0].lowercased() {
            case "content-range":
                if let total = parts[1].split(separator: "/").last.flatMap({ Int($0) }) { return total }
            case "content-length":
                contentLength = Int(parts[1])
            default: break
            }
        }
        return contentLength.map { offset + $0 }
    }

    static func size(of file: URL) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: file.path))?[.size] as? Int) ?? 0
    }
}

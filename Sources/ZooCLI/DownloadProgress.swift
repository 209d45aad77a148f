import Foundation

/// A download's progress on standard error: bytes done of the total, rate and time left. On a terminal one line is
/// rewritten in place; into a log (CI) a line is written every few seconds instead, so the log stays short.
final class DownloadProgress {
    private let label: String
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var started = Date()
    private var resumedFrom = 0
    private var lastLine = Date.distantPast
    private var showing = false

    init(label: String) { self.label = label }

    func start(resumingFrom offset: Int) {
        started = Date()
        lastLine = started
        resumedFrom = offset
        if offset > 0 { note("resuming \(label) from byte \(offset.formatted())") }
    }

    func update(done: Int, total: Int?) {
        let now = Date()
        guard now.timeIntervalSince(lastLine) >= (isTerminal ? 0.2 : 5) else { return }
        lastLine = now
        show(line(done: done, total: total, now: now))
    }

    /// The last line, when this run received anything (a failed connection has nothing to show).
    func finish(done: Int, total: Int?) {
        if done > resumedFrom { show(line(done: done, total: total, now: Date())) }
        if isTerminal && showing { write("\n") }
        showing = false
    }

    /// A message between progress lines.
    func note(_ message: String) {
        if isTerminal && showing { write("\n") }
        showing = false
        write("\(message)\n")
    }

    private func show(_ text: String) {
        if isTerminal {
            write("\r\(text)\u{1B}[K")
            showing = true
        } else {
            write("\(text)\n")
        }
    }

    private func line(done: Int, total: Int?, now: Date) -> String {
        let seconds = max(now.timeIntervalSince(started), 1e-3)
        // The rate counts this run's bytes only: resumed bytes arrived earlier.
        let rate = Double(max(done - resumedFrom, 0)) / seconds
        var text = "\(label): \(Self.bytes(done))"
        if let total, total > 0 {
            text += " of \(Self.bytes(total)) (\(min(100, done * 100 / total))%)"
        }
        text += ", \(Self.bytes(Int(rate)))/s"
        if let total, rate > 0, total > done {
            text += ", \(Self.duration(Double(total - done) / rate)) left"
        }
        return text
    }

    /// Decimal units, as download sizes are usually quoted: 58.9 MB.
    static func bytes(_ count: Int) -> String {
        let value = Double(count)
        return switch value {
        case ..<1e3: "\(count) B"
        case ..<1e6: String(format: "%.1f kB", value / 1e3)
        case ..<1e9: String(format: "%.1f MB", value / 1e6)
        default: String(format: "%.2f GB", value / 1e9)
        }
    }

    /// `m:ss`, or `h:mm:ss` past an hour.
    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        let (hours, minutes, rest) = (whole / 3600, whole / 60 % 60, whole % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }

    private func write(_ text: String) {
        StandardError.write(text)
    }
}

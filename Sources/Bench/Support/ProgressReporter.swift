import Foundation

/// Progress for long work, on standard error: "hashing: 120/800 (15%) 41.2/s, ETA 0:16", or with a
/// unit "converting: 120/553 MB (21%) 410.2 MB/s, ETA 0:01", and with a detail of the latest update
/// "epoch 1/5: 12/40 steps (30%) 2.1 steps/s, ETA 0:13, loss 0.6931 accuracy 0.5". Thread-safe.
///
/// On a terminal the line is rewritten in place at most every half second. Into a file or a pipe (a CI log, a
/// script) only the final line is written, and one a minute while the work lasts longer, so that a log shows what a
/// person would have seen at the end without hundreds of intermediate lines. Work with nothing to do (total 0)
/// prints nothing. A `write` given by the caller receives every line, at most every half second.
public final class ProgressReporter: @unchecked Sendable {
    private let label: String
    private let total: Int
    private let unit: String
    private let write: @Sendable (String) -> Void
    /// Rewriting one line in place (standard error is a terminal) rather than writing whole lines.
    private let live: Bool
    private let interval: TimeInterval
    private let start = Date()
    private let lock = NSLock()
    private var done = 0
    private var detail = ""
    private var lastPrinted = Date.distantPast
    private var finished = false

    /// `write` receives each line; without it, standard error as described above.
    public init(_ label: String, total: Int, unit: String = "", write: (@Sendable (String) -> Void)? = nil) {
        self.label = label
        self.total = total
        self.unit = unit
        let terminal = write == nil && isatty(STDERR_FILENO) == 1
        self.write = write ?? (terminal ? ProgressReporter.rewritingLine : ProgressReporter.standardError)
        live = terminal
        interval = write == nil && !terminal ? 60 : 0.5
    }

    /// `detail`: what the line ends with from now on (the running loss of a training epoch).
    public func advance(by count: Int = 1, detail: String? = nil) { update(detail: detail) { $0 += count } }

    /// Sets how much is done, for work measured as a running total (bytes written so far).
    public func report(done value: Int) { update { $0 = value } }

    private func update(detail newDetail: String? = nil, _ change: (inout Int) -> Void) {
        let line: String? = lock.withLock {
            change(&done)
            if let newDetail { detail = newDetail }
            let now = Date()
            let finishing = done >= total && !finished
            guard total > 0, finishing || (!finished && now.timeIntervalSince(lastPrinted) >= interval) else { return nil }
            finished = finished || finishing
            if lastPrinted == .distantPast && !live && !finishing {
                // The first minute's line off a terminal comes a minute in, not at the first step.
                lastPrinted = now
                return nil
            }
            lastPrinted = now
            return ProgressReporter.line(label: label, done: done, total: total, unit: unit, seconds: now.timeIntervalSince(start))
                + (detail.isEmpty ? "" : ", \(detail)") + (live && finishing ? "\n" : "")
        }
        if let line { write(line) }
    }

    static func line(label: String, done: Int, total: Int, unit: String = "", seconds: Double) -> String {
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let percent = total > 0 ? 100 * done / total : 100
        let eta = rate > 0 ? clock(Double(total - done) / rate) : "?"
        let units = unit.isEmpty ? "" : " \(unit)"
        return "\(label): \(done)/\(total)\(units) (\(percent)%) \(String(format: "%.1f", rate))\(units)/s, ETA \(eta)"
    }

    /// `m:ss`, or `h:mm:ss` from an hour: how progress lines show durations.
    public static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole >= 3600
            ? String(format: "%d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60)
            : String(format: "%d:%02d", whole / 60, whole % 60)
    }

    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// The terminal's form: back to the start of the line, the text, the rest of the old line erased; the final
    /// line ends with its own newline.
    private static let rewritingLine: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
    }
}

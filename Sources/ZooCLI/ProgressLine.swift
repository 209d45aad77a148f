import Foundation

/// Progress on standard error: done/total, rate and time left. On a terminal the line redraws in
/// place; in a log it prints at most every 10% so CI output stays readable.
final class ProgressLine {
    private let label: String
    private let unit: String
    private let start = Date()
    private let interactive = isatty(STDERR_FILENO) == 1
    private var lastDecile = -1

    init(_ label: String, unit: String) {
        self.label = label
        self.unit = unit
    }

    func update(done: Double, total: Double, detail: String = "") {
        let elapsed = Date().timeIntervalSince(start)
        let fraction = total > 0 ? done / total : 1
        let rate = elapsed > 0 ? done / elapsed : 0
        let left = rate > 0 ? (total - done) / rate : 0
        let line = String(format: "%@ %3.0f%% %@ (%.1f/%.1f %@, %.0f %@/s, %.1fs left)",
                          label, fraction * 100, detail, done, total, unit, rate, unit, left)
        if interactive {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
            if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
        } else if Int(fraction * 10) > lastDecile {
            lastDecile = Int(fraction * 10)
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }
}

import Foundation

/// This process's resident memory from /proc/self/status: where a peak comes from (loading the weights,
/// or running) is what the latency report's memory column cannot show on its own.
public enum ProcessMemory {
    /// `VmRSS` (now) and `VmHWM` (the peak so far), in bytes; 0 where /proc is unavailable.
    public static func resident() -> (now: Int, peak: Int) {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        func kilobytes(_ key: String) -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return 0 }
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return (kilobytes("VmRSS") * 1024, kilobytes("VmHWM") * 1024)
    }
}

extension Duration {
    /// The duration in seconds, as a Double for reports.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

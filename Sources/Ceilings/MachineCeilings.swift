import CCeilings
import Tensor
import Foundation

/// What this machine can do at best, measured here and now: the FMA peak of its widest vector unit and the
/// bandwidth of a large memory copy. Every speed Zoo reports (`zoo profile`, the latency benchmark through
/// `zoo ceilings --json`) is stated as a share of these, never of a figure measured on another machine, and
/// names the CPU it was measured on.
public struct MachineCeilings: Sendable, Codable, Equatable {
    /// The CPU's brand string (cpuid), e.g. `Intel(R) Xeon(R) Processor`.
    public let cpuModel: String
    /// The vector extensions that decide which kernels run, as /proc/cpuinfo names them.
    public let vectorExtensions: [String]
    /// The vector unit the FMA peak was measured on: `AVX-512`, `AVX2+FMA`, or `none`.
    public let fmaUnit: String
    /// Threads the FMA loop and the copy ran on.
    public let threads: Int
    /// Twelve independent FMA chains per thread on every thread: 2 FLOPs per lane per FMA (GFLOP/s).
    public let fmaPeakGFLOPS: Double
    /// Bytes read plus bytes written per second of a memcpy much larger than the caches (GB/s, 1e9 bytes): the
    /// better of one thread and `threads` threads.
    public let memoryBandwidthGBps: Double
    /// When the measurement was taken (ISO 8601, UTC).
    public let measuredAt: String

    enum CodingKeys: String, CodingKey {
        case cpuModel = "cpu_model", vectorExtensions = "vector_extensions", fmaUnit = "fma_unit", threads
        case fmaPeakGFLOPS = "fma_peak_gflops", memoryBandwidthGBps = "memory_bandwidth_gbps", measuredAt = "measured_at"
    }

    /// The processors this process may run on: the default thread count, "all cores".
    public static var onlineCores: Int { max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1) }

    /// Measures both ceilings on `threads` threads: about `fmaSeconds` of FMA loops, then copies of `copyBytes`
    /// (256 MiB by default: far beyond any last-level cache, so the copy streams from and to memory). About a
    /// second of CPU time in all. Rates are over each thread's own CPU time, the best of several trials, so other
    /// processes on a shared machine lower them little.
    public static func measure(threads: Int = onlineCores, fmaSeconds: Double = 0.6, copyBytes: Int = 256 << 20) -> MachineCeilings {
        let threads = max(threads, 1)
        let width = zoo_widest_fma()
        let peak = zoo_fma_peak_gflops(width, Int32(threads), fmaSeconds)
        // Memory-bound kernels may run on one thread (Tensor's Parallelism): the ceiling is the better of both.
        let bandwidth = Set([1, threads]).map { zoo_copy_bandwidth_gbps(copyBytes, Int32($0), 8) }.max() ?? 0
        let formatter = ISO8601DateFormatter()
        return MachineCeilings(cpuModel: cpuModel, vectorExtensions: vectorExtensions, fmaUnit: unitName(width), threads: threads,
                               fmaPeakGFLOPS: peak, memoryBandwidthGBps: bandwidth, measuredAt: formatter.string(from: Date()))
    }

    public static var cpuModel: String { KernelPath.cpuModel }

    public static var vectorExtensions: [String] { KernelPath.vectorExtensions }

    private static func unitName(_ width: zoo_fma_width) -> String {
        switch width {
        case ZOO_FMA_AVX512: return "AVX-512"
        case ZOO_FMA_AVX2: return "AVX2+FMA"
        default: return "none"
        }
    }

    /// One line naming the machine and its ceilings, for the head of every report.
    public var summary: String {
        let extensions = vectorExtensions.isEmpty ? "no AVX2/AVX-512" : vectorExtensions.joined(separator: " ")
        return "\(cpuModel) (\(extensions)): FMA peak \(Self.format(fmaPeakGFLOPS)) GFLOP/s (\(fmaUnit), \(threads) "
            + "thread\(threads == 1 ? "" : "s")), memory copy \(Self.format(memoryBandwidthGBps)) GB/s, measured \(measuredAt)"
    }

    private static func format(_ value: Double) -> String { String(format: value >= 100 ? "%.0f" : "%.1f", value) }

    /// The measurement as one JSON object (the keys `zoo ceilings --json` prints).
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

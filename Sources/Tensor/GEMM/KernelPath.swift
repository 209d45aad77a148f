internal import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// Which instruction set the hot kernels (the GEMM's register tile, the Winograd transforms) use. The package
/// builds for baseline x86-64 with no CPU flags; the kernels are compiled once per path in the C target
/// `CKernels`, and the best path this CPU and its operating system support is chosen when the program starts
/// (cpuid and xgetbv). `ZOO_CPU=avx512|avx2|generic` forces one; naming a path the CPU lacks stops the program
/// with a one-line message before anything runs.
public enum KernelPath: String, CaseIterable, Sendable {
    /// Any x86-64: SSE2 vectors of 4 floats, multiply then add; slow, but never an illegal instruction.
    case generic
    /// AVX2 and FMA: the 6x32 tile as two 6x16 strips of 8-float vectors (12 accumulators that fit 16 registers).
    case avx2
    /// AVX-512 F/BW/VL: the 6x32 tile in twelve 16-float accumulators, half of the 32 vector registers.
    case avx512

    /// The path the calling thread's kernels take now (see `with(_:_:)`).
    public static var inUse: KernelPath { KernelPath(zoo_kernel_path_in_use()) }

    /// The paths this machine can run, worst to best.
    public static var supported: [KernelPath] { allCases.filter(\.isSupported) }

    /// Whether this CPU and its operating system can run the path.
    public var isSupported: Bool { zoo_cpu_supports(cPath) }

    /// ZOO_CPU when it is set (it then decided the path at start-up), else nil.
    public static var forcedByEnvironment: String? {
        guard let value = getenv("ZOO_CPU"), value.pointee != 0 else { return nil }
        return String(cString: value)
    }

    /// The CPU's name as cpuid gives it (e.g. "Intel(R) Xeon(R) Platinum 8488C").
    public static var cpuModel: String { String(cString: zoo_cpu_model()) }

    /// The vector extensions that decide the kernels, as cpuid reports them, by their /proc/cpuinfo names (which
    /// describes the host even under an emulator): what every report and `zoo --version` list.
    public static var vectorExtensions: [String] {
        ["avx512f", "avx512bw", "avx512vl", "avx2", "fma", "f16c"].filter { zoo_cpu_has($0) }
    }

    /// The path in use, in words, and why (`zoo --version`, benchmark records): "avx512 (6x32 register tile of
    /// 16-float vectors; best of avx512, avx2, generic)" or "... forced by ZOO_CPU=avx2".
    public static var summary: String {
        let path = inUse
        let reason = forcedByEnvironment.map { "forced by ZOO_CPU=\($0)" }
            ?? "best of \(supported.reversed().map(\.rawValue).joined(separator: ", ")) on this CPU"
        return "\(path.rawValue) (\(path.registerTile); \(reason))"
    }

    /// How the path holds the GEMM's 6x32 register tile.
    public var registerTile: String {
        switch self {
        case .avx512: "6x32 register tile of 16-float vectors"
        case .avx2: "6x32 tile as two 6x16 strips of 8-float vectors"
        case .generic: "6x32 tile as four 6x8 strips of 4-float SSE2 vectors, no FMA"
        }
    }

    /// Runs `body` with its kernels on `path`: those it calls on this thread and those its parallel kernels hand to
    /// worker threads. Tests run the kernels on each supported path in turn this way. Every other thread keeps its
    /// path, so a test beside them that trains twice and expects the same bits gets them.
    public static func with<Result>(_ path: KernelPath, _ body: () throws -> Result) throws -> Result {
        let previous = held
        guard zoo_hold_thread_kernel_path(path.cPath) else { throw UnsupportedKernelPath(path: path, cpuModel: cpuModel) }
        defer { hold(previous) }
        return try body()
    }

    /// The path the calling thread is held to by `with(_:_:)`, or nil when it follows the one chosen at start-up:
    /// what `runTasks` passes on to the threads it hands tasks to.
    static var held: KernelPath? {
        var path = zoo_kernel_path.generic
        return zoo_held_kernel_path(&path) ? KernelPath(path) : nil
    }

    /// Holds the calling thread to `path` (one already held, so supported), or releases it (nil).
    static func hold(_ path: KernelPath?) {
        if let path { _ = zoo_hold_thread_kernel_path(path.cPath) } else { zoo_release_thread_kernel_path() }
    }

    private init(_ path: zoo_kernel_path) {
        switch path {
        case .avx512: self = .avx512
        case .avx2: self = .avx2
        case .generic: self = .generic
        }
    }

    private var cPath: zoo_kernel_path {
        switch self {
        case .avx512: .avx512
        case .avx2: .avx2
        case .generic: .generic
        }
    }
}

/// `KernelPath.with` was asked for a path this CPU cannot run.
public struct UnsupportedKernelPath: Error, CustomStringConvertible {
    public let path: KernelPath
    public let cpuModel: String
    public var description: String { "this CPU (\(cpuModel)) or its operating system cannot run the \(path.rawValue) kernels" }
}

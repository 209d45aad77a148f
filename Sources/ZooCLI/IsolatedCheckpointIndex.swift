import ArgumentParser
import Converter
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// libhdf5 parses a checkpoint's object headers, attributes and global heap in C, and a damaged or hostile
/// file can crash it (SIGSEGV in H5HG_read while reading a variable-length string) or send it into a loop
/// that never ends. Zoo cannot validate every structure libhdf5 reads, so it contains it instead: before a
/// checkpoint is opened in this process, a child process (this executable, `zoo index-checkpoint`) opens and
/// indexes it under resource limits. A child killed by a signal means the file is not safe to open: the
/// command fails in one line and this process, with everything it already wrote, lives on. A child that
/// merely fails (a clean error) is not reported here: the same error comes again, in full, from the open in
/// this process. The cost is one process start and a second index of the file (docs/fuzzing.md).
enum IsolatedCheckpointIndex {
    /// CPU seconds the index may take: a real checkpoint's takes milliseconds (VGG16's 550 MB: under 0.1 s).
    static let cpuSeconds: rlim_t = 10

    /// Fails with one line if libhdf5 cannot index `path` without being killed.
    static func check(_ path: String) throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        child.arguments = [IndexCheckpointCommand.configuration.commandName!, path]
        // No backtrace: the crash is the expected outcome of a hostile file, and reported below.
        child.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        child.waitUntilExit()
        guard child.terminationReason == .uncaughtSignal else { return }
        let signal = child.terminationStatus
        let what = signal == SIGXCPU || signal == SIGKILL
            ? "did not finish indexing it within \(cpuSeconds) s of CPU time"
            : "crashed indexing it (\(String(cString: strsignal(signal))))"
        throw CommandFailure("\(path): libhdf5 \(what): the file is damaged or hostile; nothing was written")
    }

    /// In the child: limits it may not outgrow (no core file, CPU time, address space), applied to itself.
    static func limitThisProcess(fileSize: Int) {
        func limit(_ resource: __rlimit_resource, _ value: rlim_t) {
            var bounds = rlimit(rlim_cur: value, rlim_max: value)
            setrlimit(__rlimit_resource_t(resource.rawValue), &bounds)
        }
        limit(RLIMIT_CORE, 0)
        limit(RLIMIT_CPU, cpuSeconds)
        // The file is mapped whole; beyond it, 4 GB is far more than an index needs.
        limit(RLIMIT_AS, rlim_t(fileSize) + (4 << 30))
    }
}

/// `zoo index-checkpoint FILE` (hidden): the child of `IsolatedCheckpointIndex`. Exits 0 when the file opens and
/// indexes, 1 with the error otherwise; a crash or a loop is left to the signal and the limits.
struct IndexCheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index-checkpoint",
        abstract: "Open and index a Keras checkpoint under resource limits (used by zoo convert).",
        shouldDisplay: false
    )

    @Argument(help: "The Keras checkpoint.") var input: String

    func run() throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: input)[.size] as? Int) ?? 0
        IsolatedCheckpointIndex.limitThisProcess(fileSize: size)
        do {
            let checkpoint = try KerasCheckpoint(path: input)
            _ = checkpoint.weightCount
        } catch {
            throw CommandFailure(error)
        }
    }
}

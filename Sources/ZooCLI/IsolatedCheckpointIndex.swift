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
/// indexes it under resource limits and ends with an explicit verdict (docs/fuzzing.md):
///
/// - exit status 0: the file indexes; the command goes on and opens it in this process;
/// - `cleanErrorStatus`: the file is refused with an ordinary error, whose one line the child wrote on its
///   standard output; the command fails with that line and never opens the file itself;
/// - anything else (a signal, or any other exit status: a sanitizer's report, a runtime that failed to start,
///   an allocation refused by the limits) is a crash, reported in one line; the file is never opened here.
///
/// Only a verdict the child gave on purpose lets the file into this process: an unexpected status must not be
/// read as "failed cleanly", or a crash that happens to exit with status 1 would be parsed here after all.
/// The cost is one process start and a second index of the file.
enum IsolatedCheckpointIndex {
    /// CPU seconds the index may take: a real checkpoint's takes milliseconds (VGG16's 550 MB: under 0.1 s).
    static let cpuSeconds: rlim_t = 10
    /// The child's "refused cleanly, the reason is on standard output": EX_DATAERR of sysexits.h ("the input
    /// data was incorrect"), distinct from 1 (ArgumentParser's errors, AddressSanitizer's reports), 2 (zoo's
    /// refusal of a ZOO_CPU it cannot run) and 64 (a wrong option).
    static let cleanErrorStatus: Int32 = 65

    /// Fails with one line unless libhdf5 indexes `path` in a child process and the child says it did.
    static func check(_ path: String) throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        child.arguments = [IndexCheckpointCommand.configuration.commandName!, path]
        // No backtrace: the crash is the expected outcome of a hostile file, and reported below.
        child.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
        let verdict = Pipe()
        child.standardOutput = verdict
        child.standardError = FileHandle.nullDevice
        try child.run()
        // Read to the end before waiting, so a long message can never fill the pipe and stall the child.
        let message = String(decoding: verdict.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        let status = child.terminationStatus
        if child.terminationReason == .uncaughtSignal {
            let what = status == SIGXCPU || status == SIGKILL
                ? "did not finish indexing it within \(cpuSeconds) s of CPU time"
                : "crashed indexing it (\(String(cString: strsignal(status))))"
            throw CommandFailure("\(path): libhdf5 \(what): the file is damaged or hostile; nothing was written")
        }
        if status == 0 { return }
        if status == cleanErrorStatus, !message.isEmpty {
            throw CommandFailure(message.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        throw CommandFailure("\(path): libhdf5 crashed indexing it (the index process ended with exit status \(status), "
                             + "not a verdict): the file is damaged or hostile; nothing was written")
    }

    /// In the child: limits it may not outgrow (no core file, CPU time, address space), applied to itself.
    static func limitThisProcess(fileSize: Int) {
        func limit(_ resource: __rlimit_resource, _ value: rlim_t) {
            var bounds = rlimit(rlim_cur: value, rlim_max: value)
            setrlimit(__rlimit_resource_t(resource.rawValue), &bounds)
        }
        limit(RLIMIT_CORE, 0)
        limit(RLIMIT_CPU, cpuSeconds)
        // The file is mapped whole; beyond it, 4 GB is far more than an index needs. Not under a sanitizer: its
        // shadow memory is reserved address space (terabytes for AddressSanitizer and ThreadSanitizer), so under
        // the limit every later allocation would fail and the child die of that instead of indexing the file.
        if !SanitizerRuntime.isPresent { limit(RLIMIT_AS, rlim_t(fileSize) + (4 << 30)) }
    }
}

/// `zoo index-checkpoint FILE` (hidden): the child of `IsolatedCheckpointIndex`. Exits 0 when the file opens and
/// indexes; `IsolatedCheckpointIndex.cleanErrorStatus` with the error's one line on standard output when it is
/// refused; a crash or a loop is left to the signal and the limits.
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
            FileHandle.standardOutput.write(Data((CommandFailure(error).description + "\n").utf8))
            throw ExitCode(IsolatedCheckpointIndex.cleanErrorStatus)
        }
    }
}

import ArgumentParser
import Converter
#if canImport(Glibc)
import Glibc
#endif

@main
struct ZooCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "Convert Keras checkpoints, run and verify the classic CNNs, and benchmark them.",
        subcommands: [ConvertCommand.self, ExportCommand.self, InspectCommand.self, SummaryCommand.self, ModelsCommand.self, DataCommand.self,
                      VerifyCommand.self, PredictCommand.self, TrainCommand.self, BenchCommand.self, FetchCommand.self,
                      CeilingsCommand.self, ProfileCommand.self, IndexCheckpointCommand.self]
    )

    // A flag rather than the configuration's `version:`, which is a fixed string: the commit and the CPU path are
    // looked up only when asked for.
    @Flag(help: "Print the version, the commit it was built from and the CPU path its kernels take.") var version = false

    static func main() {
        // A file-size limit (`ulimit -f`) must end a command with its own error, not kill it mid-file: with
        // SIGXFSZ ignored, the write that crosses the limit fails with EFBIG, which every writer reports in
        // one line after removing its temporary file.
        signal(SIGXFSZ, SIG_IGN)
        TemporaryFiles.removeOnSignals()
        // A parent may start zoo with these signals blocked (the Swift test runner's processes were): unblocked
        // here, before any thread starts, so Ctrl-C always reaches the handler.
        var interrupts = sigset_t()
        sigemptyset(&interrupts)
        for number in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&interrupts, number) }
        pthread_sigmask(SIG_UNBLOCK, &interrupts, nil)
        main(nil)
    }

    func run() throws {
        guard version else { throw CleanExit.helpRequest(self) }
        print(VersionReport.text())
    }
}

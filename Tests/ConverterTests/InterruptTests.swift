import Foundation
import Testing
import TestSupport

/// Ctrl-C in the middle of `zoo convert` (issue 12 §4): the process dies of SIGINT as a user expects, and the
/// temporary file it was writing is removed by its signal handler (TemporaryFiles), so nothing is left behind.
@Suite struct InterruptTests {
    @Test func interruptedConversionLeavesNoTemporaryFile() throws {
        // The full-size VGG16 (550 MB) takes long enough to be caught in the middle.
        let input = try TestEnvironment.golden().appendingPathComponent("vgg16/tfk_weights.h5").path
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("vgg16.safetensors").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.zooBinary())
        process.arguments = ["convert", input, "--arch", "vgg16", "-o", output, "--quiet"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        func temporaries() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.contains(".tmp-") }
        }
        while temporaries().isEmpty && process.isRunning && Date() < deadline { usleep(2_000) }
        try #require(!temporaries().isEmpty, "the conversion finished or failed before it could be interrupted")
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGINT,
                "ended by \(process.terminationReason) \(process.terminationStatus)")
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(left.isEmpty, "left behind: \(left)")
        BadInputRecord.note("Ctrl-C (SIGINT) during convert", "VGG16 550 MB, interrupted mid-write",
                            outcome: "dies of SIGINT, temporary file removed")
    }
}

import Foundation
import Testing
import TestSupport

/// Under a file-size limit (`ulimit -f`, what a full disk looks like to one process) `zoo convert` reports the
/// error in one line and exits 1 instead of dying of SIGXFSZ, leaves no partial or temporary file, and an
/// earlier result at the output stays whole.
@Suite struct FileSizeLimitTests {
    @Test func conversionOverTheLimitFailsCleanly() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let zoo = try TestEnvironment.zooBinary()
        let input = TestEnvironment.fixtures.appendingPathComponent("tiny_vgg/k3.keras").path   // about 14 KB converted
        let output = directory.appendingPathComponent("model.safetensors")
        let earlier = Data("an earlier result".utf8)
        try earlier.write(to: output)
        // 8 blocks of 1 KB: the header fits, the tensors do not.
        let result = try TestEnvironment.run("/bin/sh", ["-c", "ulimit -f 8 && exec \"$0\" convert \"$1\" -o \"$2\" --force --quiet",
                                                         zoo, input, output.path])
        #expect(result.status == 1, "status \(result.status): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains(output.path)
                && result.stderr.contains("File too large"), "\(result.stderr)")
        #expect(try Data(contentsOf: output) == earlier)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0 != "model.safetensors" }
        #expect(leftovers.isEmpty, "left behind: \(leftovers)")
        BadInputRecord.note("file-size limit during convert (ulimit -f 8)", "tiny_vgg k3.keras", outcome: "one line, exit \(result.status), no signal")
    }
}

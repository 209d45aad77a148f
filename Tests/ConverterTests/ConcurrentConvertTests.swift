import Foundation
import Testing
import TestSupport

/// Two `zoo convert` processes writing the same output at once (issue 12 §4): each writes its own temporary file
/// and renames it into place, so the output is, whole, the one or the other conversion, never a mix.
@Suite struct ConcurrentConvertTests {
    @Test func oneOfTwoConcurrentConversionsWinsWhole() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let zoo = try TestEnvironment.zooBinary()
        let inputs = ["tiny_vgg/k3.keras", "tiny_nested/k3.keras"].map { TestEnvironment.fixtures.appendingPathComponent($0).path }
        // Each conversion alone, for reference.
        let references = try inputs.enumerated().map { index, input in
            let path = directory.appendingPathComponent("alone\(index).safetensors").path
            #expect(try TestEnvironment.run(zoo, ["convert", input, "-o", path, "--quiet"]).status == 0)
            return try Data(contentsOf: URL(fileURLWithPath: path))
        }
        let shared = directory.appendingPathComponent("shared.safetensors").path
        for round in 0..<5 {
            let processes = try inputs.map { input in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: zoo)
                process.arguments = ["convert", input, "-o", shared, "--force", "--quiet"]
                process.standardOutput = FileHandle.nullDevice
                try process.run()
                return process
            }
            for process in processes { process.waitUntilExit() }
            let written = try Data(contentsOf: URL(fileURLWithPath: shared))
            #expect(references.contains(written), "round \(round): the output is neither conversion whole")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".tmp-") }
        #expect(left.isEmpty, "left behind: \(left)")
        BadInputRecord.note("two concurrent converts to one output", "5 rounds of 2 processes",
                            outcome: "one wins whole, no temporary file")
    }
}

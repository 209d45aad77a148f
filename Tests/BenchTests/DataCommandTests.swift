import Foundation
import Testing
import TestSupport

/// The command line end to end: synth writes a dataset that describe reads back; errors are one
/// line naming the file, with a failing exit status.
@Test func zooDataSynthThenDescribe() throws {
    let zoo = try TestEnvironment.zooBinary()
    let out = try References.temporaryDirectory("cli").appendingPathComponent("tb")
    let synth = try TestEnvironment.run(zoo, ["data", "synth", "tb", "--out", out.path, "--count", "8", "--seed", "3"])
    #expect(synth.status == 0, "\(synth.stderr)")
    #expect(synth.stderr.contains("writing tb files: 17/17 (100%)"), "progress: \(synth.stderr)")
    let json = out.deletingLastPathComponent().appendingPathComponent("description.json")
    let describe = try TestEnvironment.run(zoo, ["data", "describe", out.path, "--json", json.path])
    #expect(describe.status == 0, "\(describe.stderr)")
    #expect(describe.stdout.contains("| all | 4 | 4 | 8 |"), "\(describe.stdout)")
    #expect(describe.stdout.contains("| PNG gray 16-bit | 1 |"), "\(describe.stdout)")
    #expect(FileManager.default.fileExists(atPath: json.path))

    let missing = try TestEnvironment.run(zoo, ["data", "describe", "/nonexistent/DermMel"])
    #expect(missing.status != 0)
    #expect(missing.stderr.trimmingCharacters(in: .whitespacesAndNewlines) == "Error: /nonexistent/DermMel: not a directory")
}

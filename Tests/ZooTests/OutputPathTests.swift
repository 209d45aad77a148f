import Foundation
import Testing
import TestSupport

/// Where `-o` points somewhere unusual, no file is lost and the answer is one line (issue 12 §4): a symbolic link at
/// the output, dangling or not, is refused without --force (the rename would replace the link, not its target); with
/// --force the link's target is replaced and the link kept; a folder that takes no new file fails before any work.
@Suite struct OutputPathTests {
    private let keras = TestEnvironment.fixtures.appendingPathComponent("tiny_vgg/k3.keras").path

    @Test func aSymbolicLinkAtTheOutputIsRefusedWithoutForce() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("kept.safetensors").path
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: target))
        let link = directory.appendingPathComponent("link.safetensors").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "kept.safetensors")
        let refused = try zoo(["convert", keras, "-o", link, "--quiet"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "Error: \(link): is a symbolic link to \(target); pass --force to write \(target) through it, or name another file\n")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep me")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "kept.safetensors")
    }

    /// Before, the conversion renamed its file over a dangling link, and the link was gone.
    @Test func aDanglingSymbolicLinkIsRefusedWithoutForce() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("missing.safetensors").path
        let link = directory.appendingPathComponent("link.safetensors").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let refused = try zoo(["convert", keras, "-o", link, "--quiet"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "Error: \(link): is a symbolic link to \(target), which does not exist; pass --force to write \(target) through it, or name another file\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["link.safetensors"])
    }

    /// With --force the chain of links is followed to its end: the file there is replaced (whole, by the rename), and
    /// both links still point where they did.
    @Test func forceReplacesTheLinksTargetAndKeepsTheLink() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let models = directory.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: false)
        let target = models.appendingPathComponent("current.safetensors").path
        try Data("an older model".utf8).write(to: URL(fileURLWithPath: target))
        let inner = models.appendingPathComponent("latest.safetensors").path
        try FileManager.default.createSymbolicLink(atPath: inner, withDestinationPath: "current.safetensors")
        let link = directory.appendingPathComponent("model.safetensors").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "models/latest.safetensors")
        let forced = try zoo(["convert", keras, "-o", link, "--quiet", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "models/latest.safetensors")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: inner) == "current.safetensors")
        let inspected = try zoo(["inspect", target])
        #expect(inspected.status == 0 && inspected.stdout.contains("data hash: verified"), "\(inspected.stdout) \(inspected.stderr)")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: models.path)) == ["current.safetensors", "latest.safetensors"])
    }

    /// A folder that takes no new file is found by creating one, not by access(): as root that calls /proc and /sys
    /// writable. A folder that is a file fails the same way. One line, exit 1, nothing converted.
    @Test func aFolderThatTakesNoNewFileIsOneLine() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("a-file").path
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: file))
        let cases = [
            ("/proc/out.safetensors", "cannot write the output: cannot create a file in /proc: "),
            ("/sys/kernel/out.safetensors", "cannot write the output: cannot create a file in /sys/kernel: "),
            ("\(file)/out.safetensors", "cannot write the output: \(file) is a file, not a folder"),
        ]
        for (output, problem) in cases {
            let result = try zoo(["convert", keras, "-o", output, "--quiet"])
            #expect(result.status == 1, "\(output): \(result.stdout)")
            #expect(result.stderr.hasPrefix("Error: \(output): \(problem)"), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
    }

    private func zoo(_ arguments: [String]) throws -> TestEnvironment.Result {
        try TestEnvironment.run(TestEnvironment.zooBinary(), arguments)
    }
}

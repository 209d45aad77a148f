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

    /// `zoo bench plan --out`: a plan may have tasks running from it, so an existing one is kept without --force; the
    /// scheduler's files go with the plan, each checked before any is written (a link among them refused without
    /// --force, and then neither they nor the plan are written), the scripts created runnable.
    @Test func aPlanIsReplacedOnlyWithForceAndWrittenWithItsSchedulerFiles() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recipes = TestEnvironment.repositoryRoot.appendingPathComponent("Benchmarks/recipes").path
        func plan(_ out: String, _ extra: [String] = []) throws -> TestEnvironment.Result {
            try zoo(["bench", "plan", "--quick", "--recipes", "vgg16-tb", "--recipe-dir", recipes, "--protocol", "clean", "--folds", "2",
                     "--out", out, "--emit", "shell"] + extra)
        }
        let planFile = directory.appendingPathComponent("plan.json").path, script = directory.appendingPathComponent("plan-run-local.sh").path
        let first = try plan(planFile)
        try #require(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "plan: \(planFile) (3 tasks, plan \(try planHash(planFile)))\nshell: \(script)\n", "\(first.stdout)")
        #expect(try FileManager.default.attributesOfItem(atPath: script)[.posixPermissions] as? Int == 0o755)
        let planned = try Data(contentsOf: URL(fileURLWithPath: planFile))

        let again = try plan(planFile, ["--seeds", "2"])
        #expect(again.status == 1)
        #expect(again.stderr == "Error: \(planFile): already exists; pass --force to replace it\n", "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: planFile)) == planned, "the plan was replaced without --force")
        let forced = try plan(planFile, ["--seeds", "2", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: planFile)) != planned)

        let other = directory.appendingPathComponent("other.json").path, otherScript = directory.appendingPathComponent("other-run-local.sh").path
        try FileManager.default.createSymbolicLink(atPath: otherScript, withDestinationPath: script)
        let linked = try plan(other)
        #expect(linked.status == 1)
        #expect(linked.stderr == "Error: \(otherScript): is a symbolic link to \(script); pass --force to write \(script) through it, or name another file\n",
                "\(linked.stderr)")
        #expect(!FileManager.default.fileExists(atPath: other), "the plan was written without its scheduler file")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: otherScript) == script)
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: directory.path)).contains { $0.contains(".tmp-") })
    }

    /// Every output folder (`bench --out`, `bench run --out`, `bench merge --out`, `--feature-cache`, `data synth --out`,
    /// `fetch --to`) is checked before any work: a file where the folder belongs, or a folder that takes no new file,
    /// is one line naming it, exit 1, and nothing is written.
    @Test func outputFoldersThatTakeNoFileAreOneLine() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("a-file").path
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: file))
        let recipes = TestEnvironment.repositoryRoot.appendingPathComponent("Benchmarks/recipes").path
        let selection = ["--quick", "--recipes", "vgg16-tb", "--recipe-dir", recipes, "--protocol", "clean", "--folds", "2"]
        let plan = directory.appendingPathComponent("plan.json").path
        let planned = try zoo(["bench", "plan"] + selection + ["--out", plan])
        try #require(planned.status == 0, "\(planned.stderr)")
        let shards = directory.appendingPathComponent("shards").path
        let cases: [(arguments: [String], message: String)] = [
            (["bench"] + selection + ["--out", file], "\(file): cannot write the results: it is a file, not a folder"),
            (["bench"] + selection + ["--out", "/proc"], "/proc: cannot write the results: cannot create a file in it: "),
            (["bench"] + selection + ["--out", directory.path, "--feature-cache", "/proc"], "/proc: cannot write the feature cache: cannot create a file in it: "),
            (["bench", "run", "--plan", plan, "--task", "0", "--out", "/proc"], "/proc: cannot write the shards: cannot create a file in it: "),
            (["bench", "run", "--plan", plan, "--task", "0", "--out", "\(file)/shards"], "\(file)/shards: cannot create the folder: Not a directory"),
            (["bench", "merge", "--plan", plan, shards, "--out", file], "\(file): cannot write the report: it is a file, not a folder"),
            (["data", "synth", "tb", "--out", "/sys/kernel"], "/sys/kernel: cannot write the dataset: cannot create a file in it: "),
            (["fetch", "vgg16-notop", "--to", "/proc"], "/proc: cannot write the weights: cannot create a file in it: "),
        ]
        for test in cases {
            let result = try zoo(test.arguments)
            #expect(result.status == 1, "\(test.arguments): \(result.stdout)")
            #expect(result.stderr.hasPrefix("Error: \(test.message)") && result.stderr.split(separator: "\n").count == 1,
                    "\(test.arguments): \(result.stderr)")
        }
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)) == ["a-file", "plan.json"], "nothing written")
    }

    private func planHash(_ path: String) throws -> String {
        let plan = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        return String(try #require(plan?["plan_hash"] as? String).prefix(12))
    }

    private func zoo(_ arguments: [String]) throws -> TestEnvironment.Result {
        try TestEnvironment.run(TestEnvironment.zooBinary(), arguments)
    }
}

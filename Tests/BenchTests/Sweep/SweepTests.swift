import Foundation
import Testing
import TestSupport
@testable import Bench

/// `zoo bench plan`, `run` and `merge` (docs/sweeps.md): plans are deterministic, the scheduler files say what the
/// schedulers need, and a plan run as shards in two folders merges to the one-process report, table for table.
@Suite(.serialized) struct SweepTests {
    static let recipes = TestEnvironment.repositoryRoot.appendingPathComponent("Benchmarks/recipes")

    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func plansAreDeterministicAndNameTheirTasks() throws {
        let root = try Self.temporaryDirectory("sweep-plan")
        defer { try? FileManager.default.removeItem(at: root) }
        let settings = BenchSuite.Settings(
            recipes: try ["vgg16-tb", "resnet50-melanoma"].map { try Recipe.read(from: Self.recipes.appendingPathComponent("\($0).json")) },
            folds: 2, seeds: [2019, 2020], quick: true, out: root, syntheticImages: 48)
        let plan = try SweepPlan.make(settings)
        #expect(try SweepPlan.make(settings) == plan, "the same selection gives the same plan")
        // Per recipe: the seed protocol's 2 seeds, the clean protocol's 2 folds x 2 seeds, then its latency probe.
        #expect(plan.tasks.count == 14)
        #expect(plan.tasks.map(\.index) == Array(0..<14))
        #expect(Set(plan.tasks.map(\.id)).count == 14, "identifiers are unique")
        #expect(plan.tasks[3].label == "vgg16-tb, clean protocol, fold 0, seed 2020")
        #expect(plan.tasks[6].unit == .latency(recipe: "vgg16-tb"))
        #expect(try BenchSuite(settings).units() == plan.tasks.map(\.unit), "the plan's tasks are the suite's units, in its order")

        let file = root.appendingPathComponent("plan.json")
        try plan.write(to: file)
        #expect(try SweepPlan.read(file) == plan)
        let edited = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "\"2020\"", with: "\"2021\"")
            .replacingOccurrences(of: ": 2020", with: ": 2021")
        try edited.write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: BenchError.self) { try SweepPlan.read(file) }
        try plan.write(to: file)

        let files = SchedulerFiles(plan: plan, planFile: file, parallel: 3, zoo: "/opt/zoo/bin/zoo", shared: root.appendingPathComponent("shared"),
                                   image: "registry.example/zoo:1", claim: "sweep-claim")
        func text(_ scheduler: SchedulerFiles.Scheduler) throws -> String {
            try files.write(scheduler).map { try String(contentsOf: $0, encoding: .utf8) }.joined(separator: "\n")
        }
        let slurm = try text(.slurm)
        for expected in ["#SBATCH --array=0-13%3", "--task \"$SLURM_ARRAY_TASK_ID\"", "#SBATCH --cpus-per-task=2", "#SBATCH --mem=",
                         "#SBATCH --time=", "--dependency=afterany:\"$array\"", "bench merge --plan"] {
            #expect(slurm.contains(expected), "slurm files lack \(expected)")
        }
        let kubernetes = try text(.kubernetes)
        for expected in ["completionMode: Indexed", "completions: 14", "parallelism: 3", "$JOB_COMPLETION_INDEX", "claimName: sweep-claim",
                         "name: zoo-sweep-\(plan.planHash.prefix(8))-merge", "image: registry.example/zoo:1"] {
            #expect(kubernetes.contains(expected), "kubernetes files lack \(expected)")
        }
        #expect(try text(.shell).contains("xargs -P 3"))
        for script in try FileManager.default.contentsOfDirectory(atPath: root.path) where script.hasSuffix(".sh") || script.hasSuffix(".sbatch") {
            let check = try TestEnvironment.run("/bin/bash", ["-n", root.appendingPathComponent(script).path])
            #expect(check.status == 0, "\(script): \(check.stderr)")
        }
    }

    /// A 48x48 VGG16-TB (quick schedule), clean protocol, 2 folds: two runs and a latency probe, about a minute in all.
    /// Tasks 0 and 1 run at once in two processes writing one feature cache; task 0 fails once (the test hook) and is
    /// run again; the shards in two folders merge to the one-process report.
    @Test func shardsMergeToTheOneProcessReport() throws {
        let root = try Self.temporaryDirectory("sweep-shards")
        defer { try? FileManager.default.removeItem(at: root) }
        let zoo = try TestEnvironment.zooBinary()
        var recipe = try Recipe.read(from: Self.recipes.appendingPathComponent("vgg16-tb.json"))
        recipe.input.size = 48
        let recipeFile = root.appendingPathComponent("vgg16-tb.json")
        try JSONEncoder().encode(recipe).write(to: recipeFile)
        // One dataset folder for both: the records' manifest digest names the folder the images are in.
        let data = root.appendingPathComponent("tb")
        let environment = ["ZOO_GOLDEN": try TestEnvironment.golden().path, "ZOO_GOLDEN_ACTIVATIONS": try TestEnvironment.goldenActivations().path]
        func zooRun(_ arguments: [String], _ extra: [String: String] = [:]) throws -> TestEnvironment.Result {
            try TestEnvironment.run(zoo, arguments, environment: environment.merging(extra) { $1 })
        }
        let synthesised = try zooRun(["data", "synth", "tb", "--out", data.path, "--count", "40"])
        try #require(synthesised.status == 0, "\(synthesised.stderr)")
        let selection = ["--quick", "--recipes", recipeFile.path, "--protocol", "clean", "--folds", "2", "--data", "tb=\(data.path)"]

        let single = root.appendingPathComponent("single")
        let oneProcess = try zooRun(["bench"] + selection + ["--quiet", "--out", single.path, "--feature-cache", root.appendingPathComponent("features-1").path])
        try #require(oneProcess.status == 0, "\(oneProcess.stderr.suffix(3000))")

        let plan = root.appendingPathComponent("plan.json")
        let planned = try zooRun(["bench", "plan"] + selection + ["--out", plan.path])
        try #require(planned.status == 0, "\(planned.stderr)")
        try #require(try SweepPlan.read(plan).tasks.count == 3)
        let shardsA = root.appendingPathComponent("a"), shardsB = root.appendingPathComponent("b")
        let cache = root.appendingPathComponent("features-2")
        func task(_ index: Int, _ out: URL) -> [String] {
            ["bench", "run", "--plan", plan.path, "--task", "\(index)", "--out", out.path, "--feature-cache", cache.path, "--quiet"]
        }

        // Two processes at once on one (empty) feature cache: both compute and write the same entries.
        nonisolated(unsafe) var first: TestEnvironment.Result?
        let failingTask = task(0, shardsA), failingEnvironment = environment.merging(["ZOO_FAIL_TASK_ONCE": "0"]) { $1 }
        let concurrent = Thread { first = try? TestEnvironment.run(zoo, failingTask, environment: failingEnvironment) }
        concurrent.start()
        let second = try zooRun(task(1, shardsB))
        while !concurrent.isFinished { usleep(10_000) }
        try #require(second.status == 0, "\(second.stderr.suffix(3000))")
        let failed = try #require(first)
        #expect(failed.status != 0 && failed.stderr.contains("test hook ZOO_FAIL_TASK_ONCE=0"), "\(failed.stderr.suffix(2000))")
        for output in [failed.stderr, second.stderr] { #expect(!output.contains("damaged feature cache entry"), "\(output.suffix(2000))") }
        let leftovers = FileManager.default.enumerator(atPath: cache.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".tmp") } ?? []
        #expect(leftovers.isEmpty, "temporary cache files left: \(leftovers.prefix(3))")

        let report = root.appendingPathComponent("report")
        let incomplete = try zooRun(["bench", "merge", "--plan", plan.path, shardsA.path, shardsB.path, "--out", report.path])
        #expect(incomplete.status != 0)
        #expect(incomplete.stderr.contains("task 0 (vgg16-tb, clean protocol, fold 0, seed 2019): failed"), "\(incomplete.stderr)")
        #expect(incomplete.stderr.contains("task 2 (vgg16-tb, latency): missing"), "\(incomplete.stderr)")

        let resumed = try zooRun(task(0, shardsA), ["ZOO_FAIL_TASK_ONCE": "0"])
        try #require(resumed.status == 0, "\(resumed.stderr.suffix(3000))")
        #expect(resumed.stderr.contains("resuming the head phase"), "\(resumed.stderr.suffix(2000))")
        let again = try zooRun(task(0, shardsA))
        #expect(again.status == 0 && again.stderr.contains("already finished"), "\(again.stderr)")
        let latency = try zooRun(task(2, shardsB))
        try #require(latency.status == 0, "\(latency.stderr.suffix(3000))")

        let merged = try zooRun(["bench", "merge", "--plan", plan.path, shardsA.path, shardsB.path, "--out", report.path])
        try #require(merged.status == 0, "\(merged.stderr)")
        let differences = try ReportTablesComparison.differences(single, report)
        #expect(differences.isEmpty, "\(differences.prefix(5).joined(separator: "\n"))")
        #expect(FileManager.default.fileExists(atPath: report.appendingPathComponent("report.html").path))

        // A shard of another Zoo is refused unless told; a task finished twice is reported.
        let status = try #require(FileManager.default.contentsOfDirectory(at: shardsB.appendingPathComponent("tasks"), includingPropertiesForKeys: nil)
            .first { $0.lastPathComponent.hasPrefix("0002-") }).appendingPathComponent("status.json")
        let original = try String(contentsOf: status, encoding: .utf8)
        let commit = try SweepPlan.read(plan).zooCommit
        try original.replacingOccurrences(of: commit, with: "0123456789ab").write(to: status, atomically: true, encoding: .utf8)
        let mixed = try zooRun(["bench", "merge", "--plan", plan.path, shardsA.path, shardsB.path, "--out", report.path])
        #expect(mixed.status != 0 && mixed.stderr.contains("--allow-mixed-versions"), "\(mixed.stderr)")
        let allowed = try zooRun(["bench", "merge", "--plan", plan.path, shardsA.path, shardsB.path, "--out", report.path, "--allow-mixed-versions"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        try original.write(to: status, atomically: true, encoding: .utf8)
        let duplicated = try zooRun(["bench", "merge", "--plan", plan.path, shardsA.path, shardsB.path, shardsA.path, "--out", report.path])
        #expect(duplicated.status != 0 && duplicated.stderr.contains("task 0 (vgg16-tb, clean protocol, fold 0, seed 2019): duplicated"),
                "\(duplicated.stderr)")
    }
}

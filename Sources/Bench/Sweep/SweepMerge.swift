import Converter
import Foundation

/// `zoo bench merge --plan PLAN DIR... --out REPORT`: the finished shards of a plan's tasks, found under each DIR's
/// `tasks/`, written as the very tables, plots and report.html the one-process suite writes (`BenchSuite.writeReport`),
/// with what is missing, failed or duplicated said in `merge.md` and in the report's notes.
public struct SweepMerge {
    public let plan: SweepPlan
    /// Accept shards written by another plan (matched to this plan's tasks by identifier) or by another Zoo.
    public var allowOtherPlans = false
    public var allowMixedVersions = false

    public init(plan: SweepPlan, allowOtherPlans: Bool = false, allowMixedVersions: Bool = false) {
        self.plan = plan
        self.allowOtherPlans = allowOtherPlans
        self.allowMixedVersions = allowMixedVersions
    }

    public struct Outcome: Sendable {
        public let files: [URL]
        /// One line per task that is missing, failed, unfinished or duplicated, and what the tables lack.
        public let problems: [String]
        public var complete: Bool { problems.isEmpty }
    }

    public func merge(_ directories: [URL], out: URL) throws -> Outcome {
        var found: [String: [(shard: SweepShard, status: SweepShard.Status)]] = [:]
        var refusals: [String] = []
        for directory in directories {
            let tasks = directory.appendingPathComponent("tasks")
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: tasks.path) else {
                throw BenchError("\(directory.path): no tasks/ folder; pass the folders given to zoo bench run --out")
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                let shard = SweepShard(directory: tasks.appendingPathComponent(name))
                guard let status = try shard.status() else { continue }   // created, never started: counted as missing
                if status.planHash != plan.planHash, !allowOtherPlans {
                    refusals.append("\(shard.directory.path): a shard of plan \(status.planHash.prefix(12)), not \(plan.planHash.prefix(12)) (--allow-other-plans takes the tasks both plans share)")
                }
                if status.zooCommit != plan.zooCommit || status.zooVersion != plan.zooVersion, !allowMixedVersions {
                    refusals.append("\(shard.directory.path): written by \(status.zooVersion) (\(status.zooCommit)), the plan by \(plan.zooVersion) (\(plan.zooCommit)) (--allow-mixed-versions merges them anyway)")
                }
                found[status.taskID, default: []].append((shard, status))
            }
        }
        guard refusals.isEmpty else {
            throw BenchError("refusing to merge:\n" + refusals.prefix(10).joined(separator: "\n")
                             + (refusals.count > 10 ? "\n... and \(refusals.count - 10) more" : ""))
        }

        var records: [RunRecord] = [], latency: [SweepShard.LatencyEntry] = [], warnings: [String] = [], problems: [String] = []
        var merged = 0
        for task in plan.tasks {
            let shards = found[task.id] ?? []
            let finished = shards.filter { $0.status.state == .finished }
            guard let used = finished.first else {
                let state = shards.first { $0.status.state == .failed }.map { "failed (\($0.status.message ?? "no message")) in \($0.shard.directory.path)" }
                    ?? shards.first.map { "unfinished (killed, or still running) in \($0.shard.directory.path)" }
                    ?? "missing (no shard)"
                problems.append("task \(task.index) (\(task.label)): \(state); \(lacks(task))")
                continue
            }
            if finished.count > 1 {
                problems.append("task \(task.index) (\(task.label)): duplicated, finished in \(finished.map(\.shard.directory.path).joined(separator: " and ")); merged from the first")
            }
            merged += 1
            let contents = try used.shard.results.read()
            records += contents.records
            warnings += contents.warnings
            latency += try used.shard.latency()
        }
        let measured = latency.map { $0.record.withEpochTimes(of: records, recipe: $0.recipe) }
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var files = try BenchSuite.writeReport(runs: records, latency: measured, warnings: problems + warnings, quick: plan.selection.quick,
                                               machine: .current, to: out)
        let summary = out.appendingPathComponent("merge.md")
        try AtomicFile.write(Data(mergeSummary(tasksMerged: merged,
                                               directories: directories, problems: problems).utf8), to: summary)
        files.insert(summary, at: 0)
        return Outcome(files: files, problems: problems)
    }

    /// What the tables lack without `task`.
    func lacks(_ task: SweepTask) -> String {
        switch task.unit.work {
        case .run(let benchProtocol, _, _):
            "the per-run table lacks its rows, and the summary of \(task.unit.recipe) under the \(benchProtocol.rawValue) protocol counts one run fewer"
        case .latency:
            "the latency table lacks \(task.unit.recipe)'s model"
        }
    }

    func mergeSummary(tasksMerged: Int, directories: [URL], problems: [String]) -> String {
        var text = "# zoo bench merge\n\nPlan \(plan.planHash) (\(plan.zooVersion), \(plan.zooCommit)): \(tasksMerged) of \(plan.tasks.count) task(s) merged from "
            + directories.map(\.path).joined(separator: ", ") + ".\n\n"
        text += problems.isEmpty ? "Every task finished once.\n" : problems.map { "- \($0)" }.joined(separator: "\n") + "\n"
        return text
    }
}

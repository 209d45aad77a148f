import ArgumentParser
import Bench
import Foundation

/// `zoo bench merge --plan PLAN DIR... --out REPORT`: the shards' report (docs/sweeps.md).
struct BenchMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shards of a plan's tasks into the tables, plots and report.html one zoo bench process writes.",
        discussion: """
            Exits non-zero when a task is missing, failed or duplicated (the report is written all the same; merge.md lists them).

            Example:
              zoo bench merge --plan sweep/plan.json sweep/out --out sweep/report
            """)

    @Option(help: "The plan (zoo bench plan).") var plan: String
    @Argument(help: "Folders given to zoo bench run --out.") var directories: [String]
    @Option(help: "The report's folder.") var out = "bench-report"
    @Flag(help: "Also take shards of another plan, for the tasks both plans share (same identifier).") var allowOtherPlans = false
    @Flag(help: "Also take shards written by another Zoo version or commit than the plan's.") var allowMixedVersions = false

    func run() throws {
        try CommandFailure.converting {
            let plan = try SweepPlan.read(URL(fileURLWithPath: self.plan))
            try FilePaths.prepareFolder(out, role: "report")
            let outcome = try SweepMerge(plan: plan, allowOtherPlans: allowOtherPlans, allowMixedVersions: allowMixedVersions)
                .merge(directories.map { URL(fileURLWithPath: $0) }, out: URL(fileURLWithPath: out))
            print("report: \(outcome.files.last?.path ?? out)")
            guard outcome.complete else {
                throw CommandFailure("incomplete merge: \(outcome.problems.count) problem(s)\n" + outcome.problems.joined(separator: "\n"))
            }
        }
    }
}

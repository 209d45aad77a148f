import ArgumentParser
import Bench
import Foundation

/// `zoo bench run --plan PLAN --task I --out DIR`: one task of a plan, into its shard (docs/sweeps.md).
struct BenchRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run task I of a plan into DIR/tasks/<I>-<id> (a finished task is not run again; a failed or killed one resumes).",
        discussion: """
            Test hook: with ZOO_FAIL_TASK_ONCE=I in the environment, task I fails after its first record, once per \
            shard (a marker file in the shard remembers it), so tests can resubmit it and watch it resume.

            Example:
              zoo bench run --plan sweep/plan.json --task $SLURM_ARRAY_TASK_ID --out sweep/out
            """)

    @Option(help: "The plan (zoo bench plan).") var plan: String
    @Option(help: "The task's number, 0-based (Slurm's SLURM_ARRAY_TASK_ID, Kubernetes' JOB_COMPLETION_INDEX).") var task: Int
    @Option(help: "The folder of the shards (shared by the tasks: weights and synthetic sets are written once there).") var out: String
    @OptionGroup var execution: BenchExecutionOptions

    func run() throws {
        try CommandFailure.converting {
            let plan = try SweepPlan.read(URL(fileURLWithPath: self.plan))
            try FilePaths.prepareFolder(out, role: "shards")
            let run = try SweepTaskRun(plan: plan, task: task, out: URL(fileURLWithPath: out))
            let failOnce = ProcessInfo.processInfo.environment["ZOO_FAIL_TASK_ONCE"] == String(task)
            _ = try run.run(featureCache: try execution.cache(), references: execution.referencesURL, activations: execution.activationsURL,
                            quiet: execution.quiet, failOnce: failOnce) { StandardError.print($0) }
            print("shard: \(run.shard.directory.path)")
        }
    }
}

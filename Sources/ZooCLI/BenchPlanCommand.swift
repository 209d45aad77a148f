import ArgumentParser
import Bench
import Foundation

/// `zoo bench plan`: the sweep as numbered tasks, and the scheduler's files to run them (docs/sweeps.md).
struct BenchPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Expand a sweep into numbered tasks (PLAN.json), and write the Slurm, Kubernetes or shell files that run them.",
        discussion: """
            Run one task with zoo bench run --plan PLAN --task I; merge the shards with zoo bench merge (docs/sweeps.md).

            Examples:
              zoo bench plan --seeds 5 --folds 5 --out sweep/plan.json --emit slurm --parallel 8
              zoo bench plan --quick --seeds 2 --folds 2 --out plan.json --emit kubernetes --image registry.example/zoo:0.1
            """)

    @OptionGroup var selection: BenchSelection
    @Option(help: "The plan file to write.") var out = "plan.json"
    @Option(help: ArgumentHelp("Also write the scheduler's files next to the plan: slurm, kubernetes or shell (repeatable).", valueName: "scheduler")) var emit: [String] = []
    @Option(help: "Tasks at once (Slurm's %P, Kubernetes' parallelism, the shell script's jobs).") var parallel = 4
    @Option(help: "Where the tasks write, on a file system every node shares (Slurm, shell): out/ (shards), features/, report/, logs/ (default: <plan folder>/sweep).") var shared: String?
    @Option(help: "The zoo executable on the nodes or in the image (default: this one's path; kubernetes: zoo).") var zoo: String?
    @Option(help: "Kubernetes: the container image with zoo.") var image = "zoo:latest"
    @Option(help: "Kubernetes: the PersistentVolumeClaim (ReadWriteMany) mounted at /sweep for shards, features and report.") var claim = "zoo-sweep"
    @Option(help: "CPUs per task (default 2).") var taskCpus: Int?
    @Option(help: "Memory per task in MB (default: estimated from the recipe).") var taskMemoryMb: Int?
    @Option(help: "Time limit per task in minutes (default: estimated from the recipe).") var taskMinutes: Int?
    @Flag(help: "Replace an existing plan, and write through symbolic links at the plan or its scheduler files.") var force = false

    func run() throws {
        try CommandFailure.converting {
            let schedulers = try emit.map { name in
                guard let scheduler = SchedulerFiles.Scheduler(rawValue: name) else {
                    throw CommandFailure("--emit \(name): expected \(SchedulerFiles.Scheduler.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return scheduler
            }
            // A plan may have tasks running from it or shards made by it: an existing one is replaced only with --force.
            let planTarget = try FilePaths.checkWritable(out, role: "plan", existing: .refuseUnlessForced, force: force)
            let planFile = URL(fileURLWithPath: out)
            let plan = try SweepPlan.make(try selection.settings(out: planFile.deletingLastPathComponent()),
                                          resources: .init(cpus: taskCpus, memoryMB: taskMemoryMb, minutes: taskMinutes))
            // The scheduler's files are made from the plan and go with it: each is checked before any is written, and
            // all are written, the plan last, or none (FileSetWriter).
            var files: [(path: String, text: String)] = [], executables: Set<String> = [], printed: [String] = []
            for scheduler in schedulers {
                let made = SchedulerFiles(
                    plan: plan, planFile: planFile, parallel: parallel,
                    zoo: zoo ?? (scheduler == .kubernetes ? "zoo" : Self.thisExecutable),
                    shared: URL(fileURLWithPath: shared ?? planFile.deletingLastPathComponent().appendingPathComponent("sweep").path),
                    image: image, claim: claim)
                for file in made.files(scheduler) {
                    let target = try FilePaths.checkWritable(file.url.path, role: "\(scheduler.rawValue) file", existing: .replace, force: force)
                    files.append((target, file.text))
                    if file.executable { executables.insert(target) }
                    printed.append("\(scheduler.rawValue): \(file.url.path)")
                }
            }
            files.append((planTarget, String(decoding: try plan.encoded(), as: UTF8.self)))
            try FileSetWriter.write(files, role: "plan", executables: executables)
            print("plan: \(planFile.path) (\(plan.tasks.count) tasks, plan \(plan.planHash.prefix(12)))")
            for line in printed { print(line) }
        }
    }

    /// The running zoo's absolute path, for scripts run on nodes that share this file system.
    static var thisExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? URL(fileURLWithPath: CommandLine.arguments[0]).path
    }
}

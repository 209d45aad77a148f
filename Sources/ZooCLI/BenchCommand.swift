import ArgumentParser
import Bench
import Foundation

/// `zoo bench`: the suite in one process (the default), or a sweep planned, run task by task and merged.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "The fine-tuning suite in one process (zoo bench [suite] ...), or a sweep: plan, run, merge (docs/sweeps.md).",
        discussion: """
            Examples:
              zoo bench --quick --out bench-quick
              zoo bench plan --seeds 5 --folds 5 --out sweep/plan.json --emit slurm
            """,
        // The suite's options live in its own subcommand: a parent's options would also be parsed after a
        // subcommand's name and take its --out.
        subcommands: [BenchSuiteCommand.self, BenchPlanCommand.self, BenchRunCommand.self, BenchMergeCommand.self],
        defaultSubcommand: BenchSuiteCommand.self
    )
}

struct BenchSuiteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suite",
        abstract: "Fine-tune, score and time every recipe on its dataset; write results.jsonl, tables, plots and report.html (docs/bench.md).",
        discussion: """
            Recipes are the JSON files of Benchmarks/recipes (copy and edit them). Without --data a synthetic set is \
            written and used. The bases' weights: the published ImageNet file from Keras' cache, otherwise the reference \
            generator's Keras-initialised checkpoints (--references, default $ZOO_GOLDEN), which the report labels. \
            A sweep too large for one machine: zoo bench plan, run and merge (docs/sweeps.md).

            Examples:
              zoo bench --quick --out bench-quick
              zoo bench --recipes vgg16-tb --data tb=ChinaSet_AllFiles --seeds 5 --out results --resume
            """
    )

    @OptionGroup var selection: BenchSelection
    @OptionGroup var execution: BenchExecutionOptions
    @Option(help: "Output folder.") var out = "bench-results"
    @Flag(help: "Continue: skip the runs results.jsonl already holds, resume a run in training from its last epoch.") var resume = false
    @Option(help: ArgumentHelp("Also train every run's head phase in Keras 3, on the same images from the same checkpoint, for the headline table: keras (needs $ZOO_PYTHON).", valueName: "engine")) var peer: String?
    @Option(help: "The Keras peer's script.") var peerScript = "Benchmarks/peers/keras_recipe.py"

    func run() throws {
        do {
            var settings = try selection.settings(out: URL(fileURLWithPath: out))
            settings.references = execution.referencesURL
            settings.activations = execution.activationsURL
            settings.featureCache = try execution.cache()
            settings.resume = resume
            settings.quiet = execution.quiet
            settings.peer = try kerasPeer(ProcessInfo.processInfo.environment)
            // After the options are checked, so a wrong one leaves no folder behind; before any run.
            try FilePaths.prepareFolder(out, role: "results")
            let files = try BenchSuite(settings).run()
            print("report: \(files.last?.path ?? out)")
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(error)
        }
    }

    /// `--peer keras`: checked before the first run, so a missing Python stops the suite at once.
    func kerasPeer(_ environment: [String: String]) throws -> KerasPeer? {
        guard let peer else { return nil }
        guard peer == "keras" else { throw CommandFailure("--peer \(peer): expected keras") }
        return try KerasPeer(python: environment["ZOO_PYTHON"], script: URL(fileURLWithPath: peerScript))
    }
}

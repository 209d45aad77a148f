import ArgumentParser
import Bench
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Fine-tune, score and time every recipe on its dataset; write results.jsonl, tables, plots and report.html (docs/bench.md).",
        discussion: """
            Recipes are the JSON files of Benchmarks/recipes (copy and edit them). Without --data a synthetic set is \
            written and used. The bases' weights: the published ImageNet file from Keras' cache, otherwise the reference \
            generator's Keras-initialised checkpoints (--references, default $ZOO_GOLDEN), which the report labels.

            Examples:
              zoo bench --quick --out bench-quick
              zoo bench --recipes vgg16-tb --data tb=ChinaSet_AllFiles --seeds 5 --out results --resume
            """
    )

    @Option(help: "Recipes to run, comma-separated names or .json files (default: every file in --recipe-dir).") var recipes: String?
    @Option(help: "Where the recipe files are.") var recipeDir = "Benchmarks/recipes"
    @Option(help: ArgumentHelp("A real dataset, tb=DIR or melanoma=DIR (repeatable).", valueName: "kind=dir")) var data: [String] = []
    @Option(name: .customLong("protocol"), help: "seed, clean, or both comma-separated.") var protocols = "seed,clean"
    @Option(help: ArgumentHelp("A published split for a dataset's runs, FILE or kind=FILE (repeatable; several files of one kind are joined): mednet's JSON or Zoo's manifests.", valueName: "kind=file")) var split: [String] = []
    @Option(help: "k-fold cross-validation for the clean protocol: each fold the test set once.") var folds: Int?
    @Option(help: "Seeds per recipe and protocol.") var seeds = 1
    @Flag(help: "Short schedules at 96x96 on a small synthetic set: the whole pipeline in minutes.") var quick = false
    @Option(help: "Output folder.") var out = "bench-results"
    @Flag(help: "Continue: skip the runs results.jsonl already holds, resume a run in training from its last epoch.") var resume = false
    @Option(help: "Images per synthetic dataset (default 80, --quick 48).") var syntheticImages: Int?
    @Option(help: "Reference checkpoints (scripts/golden.sh) for bases without ImageNet weights (default $ZOO_GOLDEN).") var references: String?
    @Option(help: "Golden activations (scripts/golden-activations.sh) for the parity verdict (default $ZOO_GOLDEN_ACTIVATIONS).") var activations: String?
    @Option(help: "Feature cache folder (default ~/.cache/zoo/features).") var featureCache: String?
    @Flag(help: "Train every step through the whole model, without cached base features.") var noFeatureCache = false
    @Flag(help: "No per-batch progress lines (CI logs).") var quiet = false
    @Option(help: ArgumentHelp("Also train every run's head phase in Keras 3, on the same images from the same checkpoint, for the headline table: keras (needs $ZOO_PYTHON).", valueName: "engine")) var peer: String?
    @Option(help: "The Keras peer's script.") var peerScript = "Benchmarks/peers/keras_recipe.py"

    func run() throws {
        do {
            let environment = ProcessInfo.processInfo.environment
            let recipes = try selectedRecipes()
            let settings = BenchSuite.Settings(
                recipes: recipes, data: try datasets(), protocols: try benchProtocols(),
                splitFiles: try splitFiles(for: recipes), folds: try foldCount(),
                seeds: (0..<UInt64(max(1, seeds))).map { 2019 + $0 }, quick: quick, out: URL(fileURLWithPath: out),
                references: (references ?? environment["ZOO_GOLDEN"]).map { URL(fileURLWithPath: $0) },
                activations: (activations ?? environment["ZOO_GOLDEN_ACTIVATIONS"]).map { URL(fileURLWithPath: $0) },
                featureCache: noFeatureCache ? nil : try FeatureCache(directory: featureCache.map { URL(fileURLWithPath: $0) } ?? FeatureCache.defaultDirectory),
                resume: resume, quiet: quiet, syntheticImages: syntheticImages ?? (quick ? 48 : 80),
                peer: try kerasPeer(environment))
            let files = try BenchSuite(settings).run()
            print("report: \(files.last?.path ?? out)")
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(error)
        }
    }

    func selectedRecipes() throws -> [Recipe] {
        let directory = URL(fileURLWithPath: recipeDir)
        let files: [URL]
        if let recipes {
            files = recipes.split(separator: ",").map { name in
                name.hasSuffix(".json") ? URL(fileURLWithPath: String(name)) : directory.appendingPathComponent("\(name).json")
            }
        } else {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
                throw CommandFailure("\(directory.path): no recipe folder (run from the repository, or pass --recipe-dir)")
            }
            files = names.filter { $0.hasSuffix(".json") }.sorted().map { directory.appendingPathComponent($0) }
        }
        return try files.map(Recipe.read)
    }

    func datasets() throws -> [Recipe.DatasetKind: URL] {
        try Dictionary(data.map { argument in
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let kind = Recipe.DatasetKind(rawValue: parts[0]) else {
                throw CommandFailure("--data \(argument): expected tb=DIR or melanoma=DIR")
            }
            return (kind, URL(fileURLWithPath: parts[1]))
        }) { _, second in second }
    }

    /// `--split FILE` names its dataset kind when the recipes leave a choice: `tb=FILE`.
    func splitFiles(for recipes: [Recipe]) throws -> [Recipe.DatasetKind: [URL]] {
        let kinds = Set(recipes.map(\.dataset))
        var files: [Recipe.DatasetKind: [URL]] = [:]
        for argument in split {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            let kind: Recipe.DatasetKind, path: String
            if parts.count == 2, let named = Recipe.DatasetKind(rawValue: parts[0]) {
                (kind, path) = (named, parts[1])
            } else if kinds.count == 1, let only = kinds.first {
                (kind, path) = (only, argument)
            } else {
                throw CommandFailure("--split \(argument): the recipes use \(kinds.map(\.rawValue).sorted().joined(separator: " and ")); say which, e.g. --split tb=\(argument)")
            }
            files[kind, default: []].append(URL(fileURLWithPath: path))
        }
        if folds != nil, !files.isEmpty { throw CommandFailure("--split and --folds: a split file fixes the test set; give one or the other") }
        return files
    }

    func foldCount() throws -> Int? {
        guard let folds else { return nil }
        guard folds >= 2 else { throw CommandFailure("--folds \(folds): k-fold needs at least 2 folds") }
        return folds
    }

    /// `--peer keras`: checked before the first run, so a missing Python stops the suite at once.
    func kerasPeer(_ environment: [String: String]) throws -> KerasPeer? {
        guard let peer else { return nil }
        guard peer == "keras" else { throw CommandFailure("--peer \(peer): expected keras") }
        return try KerasPeer(python: environment["ZOO_PYTHON"], script: URL(fileURLWithPath: peerScript))
    }

    func benchProtocols() throws -> [BenchProtocol] {
        try protocols.split(separator: ",").map { name in
            guard let value = BenchProtocol(rawValue: String(name)) else { throw CommandFailure("--protocol \(name): expected seed or clean") }
            return value
        }
    }
}

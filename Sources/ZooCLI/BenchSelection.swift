import ArgumentParser
import Bench
import Foundation

/// Which runs a sweep holds: the same flags for `zoo bench` and `zoo bench plan`.
struct BenchSelection: ParsableArguments {
    @Option(help: "Recipes to run, comma-separated names or .json files (default: every file in --recipe-dir).") var recipes: String?
    @Option(help: "Where the recipe files are.") var recipeDir = "Benchmarks/recipes"
    @Option(help: ArgumentHelp("A real dataset, tb=DIR or melanoma=DIR (repeatable).", valueName: "kind=dir")) var data: [String] = []
    @Option(name: .customLong("protocol"), help: "seed, clean, or both comma-separated.") var protocols = "seed,clean"
    @Option(help: ArgumentHelp("A published split for a dataset's runs, FILE or kind=FILE (repeatable; several files of one kind are joined): mednet's JSON or Zoo's manifests.", valueName: "kind=file")) var split: [String] = []
    @Option(help: "k-fold cross-validation for the clean protocol: each fold the test set once.") var folds: Int?
    @Option(help: "Seeds per recipe and protocol.") var seeds = 1
    @Flag(help: "Short schedules at 96x96 on a small synthetic set: the whole pipeline in minutes.") var quick = false
    @Option(help: "Images per synthetic dataset (default 80, --quick 48).") var syntheticImages: Int?

    /// The suite's settings for this selection; the caller adds where it runs.
    func settings(out: URL) throws -> BenchSuite.Settings {
        let recipes = try selectedRecipes()
        return BenchSuite.Settings(
            recipes: recipes, data: try datasets(), protocols: try benchProtocols(),
            splitFiles: try splitFiles(for: recipes), folds: try foldCount(),
            seeds: (0..<UInt64(max(1, seeds))).map { 2019 + $0 }, quick: quick, out: out,
            syntheticImages: syntheticImages ?? (quick ? 48 : 80))
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

    func benchProtocols() throws -> [BenchProtocol] {
        try protocols.split(separator: ",").map { name in
            guard let value = BenchProtocol(rawValue: String(name)) else { throw CommandFailure("--protocol \(name): expected seed or clean") }
            return value
        }
    }
}

/// Where a process that runs the suite's runs finds the bases' references and keeps its features: `zoo bench` and
/// `zoo bench run`.
struct BenchExecutionOptions: ParsableArguments {
    @Option(help: "Reference checkpoints (scripts/golden.sh) for bases without ImageNet weights (default $ZOO_GOLDEN).") var references: String?
    @Option(help: "Golden activations (scripts/golden-activations.sh) for the parity verdict (default $ZOO_GOLDEN_ACTIVATIONS).") var activations: String?
    @Option(help: "Feature cache folder (default ~/.cache/zoo/features); safe to share between tasks, also on a shared file system.") var featureCache: String?
    @Flag(help: "Train every step through the whole model, without cached base features.") var noFeatureCache = false
    @Flag(help: "No per-batch progress lines (CI logs).") var quiet = false

    var referencesURL: URL? { (references ?? ProcessInfo.processInfo.environment["ZOO_GOLDEN"]).map { URL(fileURLWithPath: $0) } }
    var activationsURL: URL? { (activations ?? ProcessInfo.processInfo.environment["ZOO_GOLDEN_ACTIVATIONS"]).map { URL(fileURLWithPath: $0) } }

    /// The feature cache, its folder checked as every output folder is (`FilePaths.prepareFolder`): a folder that
    /// takes no new file fails here in one line, not at the first entry after minutes of feature extraction.
    func cache() throws -> FeatureCache? {
        guard !noFeatureCache else { return nil }
        let directory = featureCache.map { URL(fileURLWithPath: $0) } ?? FeatureCache.defaultDirectory
        try FilePaths.prepareFolder(directory.path, role: "feature cache")
        return try FeatureCache(directory: directory)
    }
}

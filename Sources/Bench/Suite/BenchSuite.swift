import Converter
import Foundation
import Zoo

/// `zoo bench`: every recipe on its dataset, under each protocol and seed, fine-tuned, scored and timed; one line of
/// `results.jsonl` per run as it finishes, then the tables, plots and report from all of them (docs/bench.md).
public struct BenchSuite {
    public struct Settings: Sendable {
        public var recipes: [Recipe]
        /// Real datasets by kind; a kind without one uses a synthetic set written under `out/data`.
        public var data: [Recipe.DatasetKind: URL]
        public var protocols: [BenchProtocol]
        /// Published split files by dataset kind (`--split`): every run on that dataset uses their splits.
        public var splitFiles: [Recipe.DatasetKind: [URL]]
        /// k-fold cross-validation for the clean protocol (`--folds`): one run per fold and seed.
        public var folds: Int?
        public var seeds: [UInt64]
        /// Short schedules at a small input size: proves the pipeline end to end in minutes.
        public var quick: Bool
        public var out: URL
        /// The reference generator's checkpoints and activations (`scripts/golden.sh`, `scripts/golden-activations.sh`):
        /// the bases' weights where Keras' cache has no ImageNet file, and their parity references.
        public var references: URL?
        public var activations: URL?
        public var featureCache: FeatureCache?
        /// Skip the runs `results.jsonl` already holds (same recipe digest, protocol, fold, seed and phase), and
        /// continue a run in training from its last epoch's checkpoint (`RunCheckpoint`).
        public var resume: Bool
        public var quiet: Bool
        /// Images per synthetic dataset.
        public var syntheticImages: Int
        public var thresholdRule: ThresholdRule
        /// Keras, to train every run's head phase a second time for the headline (`--peer keras`); nil: Zoo alone.
        public var peer: KerasPeer?
        /// Called with each record once it is in results.jsonl (a sweep task's test hook fails there: docs/sweeps.md).
        public var recorded: (@Sendable (RunRecord) throws -> Void)?

        public init(recipes: [Recipe], data: [Recipe.DatasetKind: URL] = [:], protocols: [BenchProtocol] = BenchProtocol.allCases,
                    splitFiles: [Recipe.DatasetKind: [URL]] = [:], folds: Int? = nil,
                    seeds: [UInt64] = [2019], quick: Bool = false, out: URL, references: URL? = nil, activations: URL? = nil,
                    featureCache: FeatureCache? = nil, resume: Bool = false, quiet: Bool = false, syntheticImages: Int = 80,
                    thresholdRule: ThresholdRule = .maxF1, peer: KerasPeer? = nil) {
            self.recipes = recipes
            self.data = data
            self.protocols = protocols
            self.splitFiles = splitFiles
            self.folds = folds
            self.seeds = seeds
            self.quick = quick
            self.out = out
            self.references = references
            self.activations = activations
            self.featureCache = featureCache
            self.resume = resume
            self.quiet = quiet
            self.syntheticImages = syntheticImages
            self.thresholdRule = thresholdRule
            self.peer = peer
        }
    }

    public let settings: Settings
    let log: (String) -> Void

    public init(_ settings: Settings, log: @escaping (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        self.settings = settings
        self.log = log
    }

    /// Runs what is not done yet and writes the report; returns the files written.
    @discardableResult
    public func run() throws -> [URL] {
        try FileManager.default.createDirectory(at: settings.out, withIntermediateDirectories: true)
        let results = ResultsLog(url: settings.out.appendingPathComponent("results.jsonl"))
        if !settings.resume, FileManager.default.fileExists(atPath: results.url.path) {
            throw BenchError("\(results.url.path) exists: pass --resume to continue those runs, or another --out")
        }
        let executed = try execute(try units(), into: results, checkpointsIn: settings.out.appendingPathComponent("runs"))
        let contents = try results.read()
        let written = try Self.writeReport(runs: contents.records, latency: executed.latency, warnings: contents.warnings,
                                           quick: settings.quick, machine: .current, to: settings.out)
        // The report holds every run that finished; the failure still fails the suite, and --resume reruns the rest.
        if let peerFailure = executed.peerFailure {
            throw BenchError("\(peerFailure); the report holds the runs that finished, and --resume runs the missing Keras runs")
        }
        return written
    }

    /// Every unit of work the settings ask for, in the order `run` does them: per recipe, its runs (protocol, then
    /// fold, then seed; each run both phases), then its latency probe (once per model and input size). A sweep plan
    /// numbers these (`SweepPlan`), so a plan's task runs exactly what the one-process suite runs for that unit.
    public func units() throws -> [SweepUnit] {
        var units: [SweepUnit] = [], timed: Set<String> = []
        for original in settings.recipes {
            let recipe = settings.quick ? original.quickSchedule : original
            for benchProtocol in settings.protocols {
                for fold in folds(benchProtocol, kind: recipe.dataset) {
                    units += settings.seeds.map { .run(recipe: recipe.name, benchProtocol: benchProtocol, fold: fold, seed: $0) }
                }
            }
            if timed.insert("\(Self.modelName(recipe))@\(recipe.input.size)").inserted { units.append(.latency(recipe: recipe.name)) }
        }
        return units
    }

    /// What `execute` measured beyond the records it appended.
    struct Executed {
        var latency: [LatencyRecord] = []
        /// The Keras peer's failure, when it failed partway (its finished runs are recorded).
        var peerFailure: String?
    }

    /// Runs `units` (all of `units()`, or a plan's one task) into `results`, keeping training checkpoints in
    /// `runsDirectory`; under `--resume`, what `results` holds already is skipped.
    func execute(_ units: [SweepUnit], into results: ResultsLog, checkpointsIn runsDirectory: URL) throws -> Executed {
        var done = settings.resume ? try results.read().records : []
        let machine = Machine.current
        var bases: [String: BaseWeights] = [:]
        var datasets: [Recipe.DatasetKind: (dataset: Dataset, source: String)] = [:]
        var executed = Executed()
        // Keras trains after Zoo's runs, all in one Python process (TensorFlow's import is paid once).
        var kerasRuns: [(request: KerasPeerRun.Request, record: (RunOutcome) throws -> RunRecord)] = []

        for original in settings.recipes {
            let recipe = settings.quick ? original.quickSchedule : original
            let mine = units.filter { $0.recipe == recipe.name }
            if mine.isEmpty { continue }
            // A quick recipe is resized, so the notebook's trainable parameters are checked at the notebook's size.
            if settings.quick { _ = try RecipeModel(original) }
            let model = try RecipeModel(recipe, checkingTrainableParameters: !settings.quick)
            let recipeDigest = try recipe.digest
            let architecture = recipe.base.architecture
            if bases[architecture] == nil {
                log("\(recipe.name): preparing the \(architecture) base")
                let source = try BaseWeights.source(for: architecture, publishedFile: try Registry.entry(named: "\(architecture)-notop")?.cachedPublishedWeights(), references: settings.references)
                bases[architecture] = try BaseWeights.prepare(source, architecture: architecture, graph: model.base,
                                                              directory: settings.out.appendingPathComponent("weights"),
                                                              activations: settings.activations)
                log("\(architecture) base: \(bases[architecture]!.parityVerdict)")
            }
            let base = bases[architecture]!
            if datasets[recipe.dataset] == nil { datasets[recipe.dataset] = try dataset(recipe.dataset) }
            let (dataset, datasetSource) = datasets[recipe.dataset]!
            // The splits (and their manifests' digest) of one protocol and fold serve all of its seeds.
            var prepared: [String: (data: RunData, partition: RunData.Partition, manifestDigest: String)] = [:]

            for unit in mine {
                guard case .run(let benchProtocol, let fold, let seed) = unit.work else { continue }
                let partitionKey = "\(benchProtocol.rawValue)/\(fold.map(String.init) ?? "-")"
                if prepared[partitionKey] == nil {
                    let partition = try self.partition(benchProtocol, fold: fold, dataset: dataset, kind: recipe.dataset)
                    let data = try RunData(benchProtocol, dataset: dataset, kind: recipe.dataset, partition: partition)
                    prepared[partitionKey] = (data, partition, try Self.digest(of: data))
                }
                let (data, partition, manifestDigest) = prepared[partitionKey]!
                let foldLabel = fold.map { ", fold \($0) of \(settings.folds ?? 0)" } ?? ""
                let run = RunIdentity(recipeDigest: recipeDigest, protocolName: benchProtocol.rawValue, seed: seed, fold: fold)
                let phases = recipe.fineTune == nil ? [RunIdentity.headPhase] : [RunIdentity.headPhase, RunIdentity.fineTunePhase]
                let missing = phases.filter { phase in !done.contains { run.matches($0, phase: phase) } }
                let label = "\(recipe.name), \(benchProtocol.rawValue) protocol\(foldLabel), seed \(seed)"
                let checkpoints = RunCheckpoints(directory: runsDirectory, recipe: recipe.name, run: run,
                                                 datasetManifestDigest: manifestDigest, baseSHA256: base.convertedSHA256,
                                                 resume: settings.resume, log: log)
                let options = RunOptions(benchProtocol: benchProtocol, seed: seed, thresholdRule: settings.thresholdRule,
                                         bootstrap: try Bootstrap(replicates: settings.quick ? 500 : 2000, seed: seed), quiet: settings.quiet)
                // One phase's outcome by one engine, into results.jsonl with this run's provenance.
                let recordRun = { (outcome: RunOutcome, phase: String, engine: String) throws -> RunRecord in
                    let record = try self.record(outcome, of: recipe, phase: phase, run: run, data: data, partition: partition, base: base,
                                                 datasetSource: datasetSource, manifestDigest: manifestDigest, machine: machine, into: results,
                                                 engine: engine)
                    try self.settings.recorded?(record)
                    return record
                }
                if settings.peer != nil, !done.contains(where: { run.matches($0, phase: RunIdentity.headPhase, engine: EngineComparison.keras) }) {
                    kerasRuns.append((KerasPeerRun.Request(model: model, checkpoint: URL(fileURLWithPath: base.sourcePath), data: data, options: options),
                                      { try recordRun($0, RunIdentity.headPhase, EngineComparison.keras) }))
                }
                if missing.isEmpty {
                    log("\(label): already in results.jsonl, skipped")
                    try checkpoints.removeAll()   // left by a kill between the last record and their removal
                    continue
                }
                log("\(recipe.name) on \(recipe.dataset.rawValue) (\(datasetSource)), \(benchProtocol.rawValue) protocol\(foldLabel), seed \(seed)")
                // Phase 2 starts from phase 1's weights, so a resumed fine-tuning phase gets the head again, from the
                // head phase's last checkpoint or (without one) by training it again, deterministically with the same
                // seed, and records only what is missing.
                let head = try FineTuneRun.run(model, base: base, data: data, options: options, featureCache: settings.featureCache,
                                               checkpoints: checkpoints)
                if missing.contains(RunIdentity.headPhase) {
                    done.append(try recordRun(head, RunIdentity.headPhase, EngineComparison.zoo))
                }
                if let fineTune = recipe.fineTune, missing.contains(RunIdentity.fineTunePhase) {
                    log("\(label): fine-tuning from \(fineTune.trainableFrom) up")
                    guard let trainedHead = head.trainedHead else { throw BenchError("\(label): the head phase kept no weights to fine-tune") }
                    let tuned = try FineTuneRun.fineTune(model, base: base, data: data, options: options, trainedHead: trainedHead,
                                                         checkpoints: checkpoints)
                    done.append(try recordRun(tuned, RunIdentity.fineTunePhase, EngineComparison.zoo))
                }
                try checkpoints.removeAll()
            }
            if mine.contains(where: { $0.work == .latency }) {
                log("\(recipe.name): timing \(architecture) at \(recipe.input.size)x\(recipe.input.size)")
                executed.latency.append(try LatencyProbe(repeats: settings.quick ? 3 : 10).measure(
                    model, base: base, machine: machine, unfreezeFrom: original.fineTune?.trainableFrom,
                    runs: done, recipe: recipe.name))
            }
        }

        if let peer = settings.peer, !kerasRuns.isEmpty {
            log("Keras peer: \(kerasRuns.count) run(s) in one Python process (\(peer.script.lastPathComponent))")
            let peerRuns = try KerasPeerRun.run(kerasRuns.map(\.request), peer: peer, directory: settings.out.appendingPathComponent("keras-peer"))
            for (run, outcome) in zip(kerasRuns, peerRuns.outcomes) {
                if let outcome { _ = try run.record(outcome) }
            }
            executed.peerFailure = peerRuns.failure
        }
        return executed
    }

    /// The tables, plots and report.html of `runs` and `latency`, as the one-process suite and `zoo bench merge`
    /// both write them.
    static func writeReport(runs: [RunRecord], latency: [LatencyRecord], warnings: [String], quick: Bool, machine: Machine,
                            to directory: URL) throws -> [URL] {
        let report = BenchReport(runs: runs, latency: latency, context: ReportContext(
            generatedBy: "\(Conversion.converterVersion) (\(machine.commit)) on \(machine.cpuModel) [\(machine.vectorExtensions.joined(separator: ", "))], kernels \(machine.kernels)",
            bandBootstrap: try Bootstrap(replicates: quick ? 200 : 1000, seed: 2019), warnings: warnings))
        return try report.write(to: directory)
    }

    /// Appends one phase's run by `engine` to results.jsonl with its provenance chain, and says how it scored. A Keras run
    /// trained from the same checkpoint but read it itself: no converted file, no parity verdict.
    func record(_ outcome: RunOutcome, of recipe: Recipe, phase: String, run: RunIdentity, data: RunData, partition: RunData.Partition,
                base: BaseWeights, datasetSource: String, manifestDigest: String, machine: Machine, into results: ResultsLog,
                engine: String) throws -> RunRecord {
        let converted = engine == EngineComparison.zoo
        let schedule = settings.quick
            ? "quick schedule: \(phase == RunIdentity.fineTunePhase ? recipe.fineTune?.epochs ?? 0 : recipe.training.epochs) epoch(s) at \(recipe.input.size)x\(recipe.input.size)"
            : nil
        let record = RunRecord(
            recipe: recipe.name, model: Self.modelName(recipe), dataset: recipe.dataset.rawValue, datasetSource: datasetSource,
            protocolName: run.protocolName, seed: run.seed, fold: run.fold, engine: engine, phase: phase,
            evaluationSet: data.evaluationSet,
            notes: [base.note, schedule].compactMap { $0 } + data.notes + outcome.notes,
            provenance: Provenance(sourceCheckpointSHA256: base.sourceSHA256, convertedSHA256: converted ? base.convertedSHA256 : nil,
                                   parityVerdict: converted ? base.parityVerdict : "not applicable: Keras reads the checkpoint itself",
                                   datasetManifestDigest: manifestDigest,
                                   recipeSHA256: run.recipeDigest, zooVersion: Conversion.converterVersion,
                                   zooCommit: machine.commit, cpuModel: machine.cpuModel, vectorExtensions: machine.vectorExtensions),
            threshold: outcome.threshold,
            test: TestPredictions(images: outcome.testImages, labels: outcome.test.labels, scores: outcome.test.scores),
            metrics: outcome.metrics, history: Self.epochs(outcome.history),
            timing: RunTiming(wallSeconds: outcome.wallSeconds, featureCachingSeconds: outcome.featureCachingSeconds,
                              meanEpochSeconds: outcome.history.compactMap { $0["seconds"] }.mean,
                              featureCache: outcome.featureCachingSeconds != nil))
        if let warning = try results.append(record) { log(warning) }
        let fold = partition.fold.map { ", fold \($0)" } ?? ""
        log("\(recipe.name) \(phase)\(converted ? "" : " (\(engine))"), \(run.protocolName) protocol\(fold), seed \(run.seed): " + (outcome.metrics.map {
            String(format: "test accuracy %.3f, AUC %.3f (%d images), %.0f s", $0.accuracy, $0.rocAUC, $0.images, outcome.wallSeconds)
        } ?? (outcome.metricsProblem ?? "no metrics")))
        return record
    }

    /// The dataset of `kind`: the one given, or a synthetic one written once under `out/data`.
    func dataset(_ kind: Recipe.DatasetKind) throws -> (Dataset, String) {
        if let root = settings.data[kind] { return (try DatasetReader.read(root), root.path) }
        let count = settings.syntheticImages
        let root = settings.out.appendingPathComponent("data/synthetic-\(kind.rawValue)-\(count)")
        if !FileManager.default.fileExists(atPath: root.path) {
            log("writing a synthetic \(kind.rawValue) set of \(count) images to \(root.path)")
            // Sweep tasks share `out`: each writes under a name of its own, and the first rename wins (the sets are
            // the same, seed 2019); a loser's copy goes.
            let partial = root.deletingLastPathComponent().appendingPathComponent(".\(root.lastPathComponent).\(getpid()).\(UUID().uuidString).partial")
            try SyntheticDatasetWriter.write(kind == .tb ? .tb : .melanoma, to: partial, count: count, seed: 2019)
            do {
                try FileManager.default.moveItem(at: partial, to: root)
            } catch where FileManager.default.fileExists(atPath: root.path) {
                try? FileManager.default.removeItem(at: partial)
            }
        }
        return (try DatasetReader.read(root), "synthetic (\(count) images, zoo data synth --seed 2019)")
    }

    /// The folds a protocol's runs go through: each fold of `--folds` for the clean protocol, else one run (nil) on the
    /// published split file or the standard splits.
    func folds(_ benchProtocol: BenchProtocol, kind: Recipe.DatasetKind) -> [Int?] {
        guard settings.splitFiles[kind] == nil, let count = settings.folds, benchProtocol == .clean else { return [nil] }
        return (0..<count).map { $0 }
    }

    /// The partition of one run: its fold, the published split file, or the standard splits.
    func partition(_ benchProtocol: BenchProtocol, fold: Int?, dataset: Dataset, kind: Recipe.DatasetKind) throws -> RunData.Partition {
        if let files = settings.splitFiles[kind] { return .file(try SplitFile.read(files, against: dataset)) }
        if let fold, let count = settings.folds { return .fold(index: fold, count: count) }
        return .standard
    }

    /// One digest for the three splits' manifests (image paths, labels and content hashes).
    static func digest(of data: RunData) throws -> String {
        let digests = try [data.train, data.validation, data.test].map { try Manifest.make($0, of: data.dataset).digest }
        return ContentHash.sha256Hex(of: Data(digests.joined(separator: "\n").utf8))
    }

    static func modelName(_ recipe: Recipe) -> String {
        switch recipe.name {
        case let name where name.hasPrefix("attention-"): "Attention-VGG16"
        default: ["vgg16": "VGG16", "vgg19": "VGG19", "resnet50": "ResNet50"][recipe.base.architecture] ?? recipe.base.architecture
        }
    }

    static func epochs(_ history: [[String: Double]]) -> [EpochRecord] {
        history.enumerated().map { index, logs in
            EpochRecord(epoch: index + 1, loss: logs["loss"] ?? .nan, accuracy: logs["accuracy"] ?? .nan,
                        validationLoss: logs["val_loss"], validationAccuracy: logs["val_accuracy"],
                        learningRate: logs["learning_rate"] ?? .nan, seconds: logs["seconds"] ?? .nan)
        }
    }
}

/// What makes two runs the same run: results.jsonl holds one record per identity and phase.
struct RunIdentity {
    static let headPhase = "head"
    static let fineTunePhase = "fine_tune"

    let recipeDigest: String
    let protocolName: String
    let seed: UInt64
    let fold: Int?

    func matches(_ record: RunRecord, phase: String, engine: String = EngineComparison.zoo) -> Bool {
        record.provenance.recipeSHA256 == recipeDigest && record.protocolName == protocolName && record.seed == seed
            && record.fold == fold && record.engine == engine && record.phase == phase
    }
}

extension Recipe {
    /// `zoo bench --quick`: the same recipe at 96x96, two epochs, one augmented view, one epoch of fine-tuning.
    public var quickSchedule: Recipe {
        var recipe = self
        recipe.input.size = min(input.size, 96)
        recipe.training.epochs = min(training.epochs, 2)
        recipe.featureViews = min(featureViews, 1)
        recipe.fineTune?.epochs = min(fineTune?.epochs ?? 0, 1)
        return recipe
    }
}

extension Array where Element == Double {
    var mean: Double { isEmpty ? .nan : reduce(0, +) / Double(count) }
}

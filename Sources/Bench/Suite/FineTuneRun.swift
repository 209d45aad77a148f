import Converter
import Foundation
import Tensor
import Training
import Zoo

/// What one run is asked to do beyond its recipe.
public struct RunOptions: Sendable {
    public var benchProtocol: BenchProtocol
    /// Seeds the head's initialisation, the shuffles, the augmentation and dropout.
    public var seed: UInt64
    /// How the clean protocol picks the decision threshold on validation (the seed protocol uses 0.5: argmax).
    public var thresholdRule: ThresholdRule
    public var bootstrap: Bootstrap
    /// No per-batch progress lines (CI logs).
    public var quiet: Bool

    public init(benchProtocol: BenchProtocol, seed: UInt64, thresholdRule: ThresholdRule = .maxF1,
                bootstrap: Bootstrap, quiet: Bool = false) {
        self.benchProtocol = benchProtocol
        self.seed = seed
        self.thresholdRule = thresholdRule
        self.bootstrap = bootstrap
        self.quiet = quiet
    }
}

/// What a run produced: its history, its test predictions and what they score.
public struct RunOutcome: Sendable {
    /// Each epoch's logs (loss, accuracy, val_loss, val_accuracy, learning_rate, seconds).
    public let history: [[String: Double]]
    public let threshold: Threshold
    public let test: BinaryPredictions
    public let testImages: [String]
    /// nil when the test set cannot carry every metric (one class only); `metricsProblem` says why.
    public let metrics: RunMetrics?
    public let metricsProblem: String?
    public let wallSeconds: Double
    /// Computing the frozen base's features, when the run trained on cached ones.
    public let featureCachingSeconds: Double?
    /// What the tables must say next to this run (a departure from the notebooks, a cache refused).
    public let notes: [String]
    /// The head's weights at the end (the best epoch's, where the protocol restores them): phase 2 starts here. nil for
    /// a Keras peer run, whose weights stay in Keras.
    public let trainedHead: InMemoryWeights?
}

/// One fine-tuning run of a recipe, as Keras' `model.fit` would train it: the recipe's model with the converted base
/// and a freshly initialised head, the protocol's images through Bench's batch streams, the recipe's optimizer and
/// callbacks; then the test images scored once, un-augmented, at a threshold fixed beforehand.
public enum FineTuneRun {
    /// Phase 1, the notebooks' run: a freshly initialised head over the frozen base, on cached features when
    /// `featureCache` is given and the base is deterministic per image, end to end otherwise. With `checkpoints`,
    /// the training state is saved after every epoch and, under `--resume`, continued from the last one saved.
    public static func run(_ model: RecipeModel, base: BaseWeights, data: RunData, options: RunOptions,
                           featureCache: FeatureCache?, checkpoints: RunCheckpoints? = nil) throws -> RunOutcome {
        let started = Date()
        let recipe = model.recipe
        let frozenBatchNorm = frozenBatchNorm(recipe, options)
        let head = try model.initialHeadWeights(seed: options.seed)
        var notes: [String] = []
        var inputs: RunInputs
        if let featureCache {
            do {
                inputs = try onCachedFeatures(model, head: head, base: base, data: data, options: options,
                                              frozenBatchNorm: frozenBatchNorm, cache: featureCache)
            } catch let refusal as FeatureCacheRefusal {
                notes.append("no feature cache: \(refusal)")
                inputs = try endToEnd(model, head: head, base: base, data: data, options: options, frozenBatchNorm: frozenBatchNorm)
            }
        } else {
            inputs = try endToEnd(model, head: head, base: base, data: data, options: options, frozenBatchNorm: frozenBatchNorm)
        }
        return try fitAndScore(inputs, model: model, data: data, options: options, epochs: recipe.training.epochs,
                               optimizer: try makeOptimizer(recipe.training.optimizer), started: started, notes: notes + inputs.notes,
                               checkpoint: checkpoints.map { ($0, RunIdentity.headPhase) })
    }

    /// Phase 2, the fine-tuning the notebooks' titles promise: the head phase's weights, the base trainable from
    /// the recipe's `fine_tune.trainable_from` layer up (a head layer the recipe freezes stays frozen), a fresh
    /// optimizer at the lower learning rate, end to end on images, as Keras recompiles after `layer.trainable = True`.
    public static func fineTune(_ model: RecipeModel, base: BaseWeights, data: RunData, options: RunOptions,
                                trainedHead: InMemoryWeights, checkpoints: RunCheckpoints? = nil) throws -> RunOutcome {
        let started = Date()
        let recipe = model.recipe
        guard let phase = recipe.fineTune else { throw RecipeError("\(recipe.name): no fine_tune phase") }
        let inputs = try endToEnd(model, head: trainedHead, base: base, data: data, options: options,
                                  frozenBatchNorm: frozenBatchNorm(recipe, options), trainableFrom: phase.trainableFrom)
        var optimizer = recipe.training.optimizer
        optimizer.learningRate = phase.learningRate
        let note = String(format: "fine-tuning phase: the head phase's weights, layers from %@ up trainable (%d parameters), %@ at %g for %d epoch(s), end to end",
                          phase.trainableFrom, inputs.model.parameters.trainableCount, optimizer.name, Double(phase.learningRate), phase.epochs)
        return try fitAndScore(inputs, model: model, data: data, options: options, epochs: phase.epochs,
                               optimizer: try makeOptimizer(optimizer), started: started, notes: [note],
                               checkpoint: checkpoints.map { ($0, RunIdentity.fineTunePhase) })
    }

    /// The clean protocol runs frozen BatchNormalization as TF2 and Keras 3 do (inference mode); the seed protocol as
    /// the recipe says (the notebooks' Keras 2.2).
    static func frozenBatchNorm(_ recipe: Recipe, _ options: RunOptions) -> FrozenBatchNorm {
        options.benchProtocol == .seed ? recipe.frozenBatchNorm : .tf2
    }

    /// Trains `inputs.model` with the protocol's callbacks, picks the threshold (0.5 for the seed protocol, the
    /// rule on validation for the clean one) and scores the test images once. With `checkpoint`, the phase's
    /// training state is saved after every epoch and resumed from when `--resume` finds one.
    static func fitAndScore(_ inputs: RunInputs, model: RecipeModel, data: RunData, options: RunOptions, epochs: Int,
                            optimizer: any Optimizer, started: Date, notes: [String],
                            checkpoint: (checkpoints: RunCheckpoints, phase: String)?) throws -> RunOutcome {
        let batchSize = model.recipe.training.batchSize
        let settings = Fit.Settings(epochs: epochs, stepsPerEpoch: data.steps(data.train, batchSize: batchSize),
                                    validationSteps: data.steps(data.validation, batchSize: batchSize))
        var callbacks = try model.recipe.training.callbacks.make(for: options.benchProtocol, epochs: settings.epochs)
        callbacks.append(EpochTiming())
        if !options.quiet { callbacks.append(TrainingProgress(epochs: settings.epochs, steps: settings.stepsPerEpoch)) }
        let fit = try Fit(model: inputs.model, optimizer: optimizer, callbacks: callbacks)
        let validation = inputs.validation
        let file = checkpoint.map { $0.checkpoints.checkpoint(phase: $0.phase, inputs: inputs.kind) }
        let saved = try file.flatMap { try checkpoint?.checkpoints.saved($0) }
        // The continued validation stream goes on from where the finished epochs left it.
        if let saved { try validation.skip(saved.epochsDone * settings.validationSteps) }
        // The clock restarted with this process: say so next to the times (the results themselves are exact).
        let notes = notes + (saved.map {
            ["resumed after epoch \($0.epochsDone) of \(settings.epochs): wall time and feature caching time cover the resumed part only"]
        } ?? [])
        let history: [[String: Double]]
        do {
            history = try fit.run(training: inputs.training, validation: { validation }, settings: settings,
                                  resumingFrom: saved, epochEnded: file.map { file in { try file.save($0) } })
        } catch let error as FitError where saved != nil {
            // A checkpoint of this run that no longer fits its fit (written by another version of Zoo).
            throw BenchError("\(file!.url.path): cannot resume from it (\(error)); delete it to start this run afresh")
        }

        let test = try inputs.score(data.test)
        let scored = try ScoredRun(validation: inputs.score(data.validation).predictions, test: test.predictions, options: options)
        return RunOutcome(history: history, threshold: scored.threshold, test: test.predictions, testImages: test.images,
                          metrics: scored.metrics, metricsProblem: scored.metricsProblem, wallSeconds: Date().timeIntervalSince(started),
                          featureCachingSeconds: inputs.featureCachingSeconds, notes: notes,
                          trainedHead: try trainedHead(of: inputs.model, head: model.head))
    }

    /// The head's weights (moving statistics included) as the run left them, by name: what phase 2 starts from.
    static func trainedHead(of model: TrainingModel, head: ModelGraph) throws -> InMemoryWeights {
        let layers = Set(head.layers.map(\.name))
        return InMemoryWeights(Dictionary(uniqueKeysWithValues: try model.parameters.parameters.filter { layers.contains($0.layer) }.map {
            ($0.name, try $0.value.copied())
        }), origin: "the head phase's trained weights")
    }

    /// What the fit loop trains and how the trained model scores a split.
    struct RunInputs {
        /// `cached features` (the head alone) or `images` (the whole model), for the checkpoints' run identity.
        let kind: String
        let model: TrainingModel
        let training: any TrainingBatches
        /// One stream continued from evaluation to evaluation: with n // bs steps it scores the notebooks' rotating
        /// window; with whole passes, every image each time.
        let validation: ContinuedBatches
        let score: (Split) throws -> (predictions: BinaryPredictions, images: [String])
        let featureCachingSeconds: Double?
        let notes: [String]
    }

    /// The whole model on images, every step: the frozen part of the base runs fused below the rest
    /// (`TrainingModel`). With `trainableFrom`, every base layer from that one up trains too.
    static func endToEnd(_ model: RecipeModel, head: InMemoryWeights, base: BaseWeights, data: RunData, options: RunOptions,
                         frozenBatchNorm: FrozenBatchNorm, trainableFrom: String? = nil) throws -> RunInputs {
        let recipe = model.recipe
        let store = try ParameterStore(graph: model.full, weights: HeadOverBase(head: head, base: try SafetensorsFile(path: base.file.path)))
        if let trainableFrom {
            guard let start = model.full.layers.firstIndex(where: { $0.name == trainableFrom }) else {
                throw RecipeError("\(recipe.name): fine_tune.trainable_from names no layer '\(trainableFrom)' of the model")
            }
            let headLayers = Set(model.head.layers.map(\.name))
            store.setTrainableLayers(model.full.layers[start...].filter { !headLayers.contains($0.name) || $0.trainable }.map(\.name))
        }
        let training = try TrainingModel(graph: model.full, parameters: store, frozenBatchNorm: frozenBatchNorm, dropoutSeed: options.seed)
        let batchSize = recipe.training.batchSize
        let loader = model.loader
        let augmentation = try recipe.training.augmentation?.config
        func stream(_ split: Split, shuffle: Bool, augment: Bool) throws -> StreamedBatches {
            StreamedBatches(stream: try BatchStream(split, of: data.dataset, loader: loader, config: BatchConfig(
                batchSize: batchSize, shuffle: shuffle, seed: options.seed, augmentation: augment ? augmentation : nil,
                preprocessing: recipe.input.preprocessing)))
        }
        return RunInputs(
            kind: "images", model: training, training: try stream(data.train, shuffle: true, augment: true),
            validation: ContinuedBatches(try stream(data.validation, shuffle: false, augment: data.augmentValidation)),
            score: { split in
                let images = try stream(split, shuffle: false, augment: false)
                return try predictions(of: training, batches: images, passLength: images.stream.batchesPerPass,
                                       images: split.images, data: data)
            },
            featureCachingSeconds: nil, notes: [])
    }

    /// The head alone on the frozen base's features, computed once per image and view (`FeatureExtractor`).
    static func onCachedFeatures(_ model: RecipeModel, head: InMemoryWeights, base: BaseWeights, data: RunData, options: RunOptions,
                                 frozenBatchNorm: FrozenBatchNorm, cache: FeatureCache) throws -> RunInputs {
        let recipe = model.recipe
        let started = Date()
        let file = try SafetensorsFile(path: base.file.path)
        let extractor = try FeatureExtractor(base: try Model(graph: model.base, file: file), weightsSHA256: base.convertedSHA256,
                                             frozenBatchNorm: frozenBatchNorm, cache: cache,
                                             progress: options.quiet ? nil : ProgressReporter.standardError)
        // The bank of views is the recipe's, the same for every seed, so runs share it; a seed picks among them.
        let views = recipe.featureViews == 0 ? FeatureViews.none : try FeatureViews(
            augmentation: try recipe.training.augmentation?.config, count: recipe.featureViews, seed: RunData.splitSeed)
        func bank(_ split: Split, _ views: FeatureViews) throws -> FeatureBank {
            try extractor.extract(split.images, of: data.dataset, loader: model.loader, preprocessing: recipe.input.preprocessing, views: views)
        }
        let train = try bank(data.train, views)
        // The seed protocol's TB validation set is its test set: one bank serves both.
        var banks = [data.validation.name: try bank(data.validation, .none)]
        if banks[data.test.name] == nil { banks[data.test.name] = try bank(data.test, .none) }
        let cachingSeconds = Date().timeIntervalSince(started)

        let store = try ParameterStore(graph: model.head, weights: head)
        let training = try TrainingModel(graph: model.head, parameters: store, frozenBatchNorm: frozenBatchNorm, dropoutSeed: options.seed)
        let batchSize = recipe.training.batchSize
        var notes = train.departure.map { [$0] } ?? []
        if data.augmentValidation { notes.append("validation scored on un-augmented features (the notebooks augmented it)") }
        return RunInputs(
            kind: "cached features", model: training, training: try FeatureBatches.training(train, batchSize: batchSize, seed: options.seed),
            validation: ContinuedBatches(try FeatureBatches.evaluation(banks[data.validation.name]!, batchSize: batchSize)),
            score: { split in
                guard let bank = banks[split.name] else { throw BenchError("no features for split '\(split.name)'") }
                let batches = try FeatureBatches.evaluation(bank, batchSize: batchSize)
                return try predictions(of: training, batches: batches, passLength: batches.batchesPerPass, images: split.images, data: data)
            },
            featureCachingSeconds: cachingSeconds, notes: notes)
    }

    static func makeOptimizer(_ settings: Recipe.OptimizerSettings) throws -> any Optimizer {
        switch settings.name {
        case "adam": Adam(learningRate: settings.learningRate)
        case "sgd": SGD(learningRate: settings.learningRate)
        case "rmsprop": RMSprop(learningRate: settings.learningRate)
        default: throw RecipeError("optimizer '\(settings.name)': expected adam, sgd or rmsprop")
        }
    }

    /// The positive class's probability for every image of one pass of `batches` (unshuffled, un-augmented), in
    /// inference mode.
    static func predictions(of model: TrainingModel, batches: some TrainingBatches, passLength: Int, images: [LabeledImage],
                            data: RunData) throws -> (predictions: BinaryPredictions, images: [String]) {
        var batches = batches
        var scores: [Double] = []
        for _ in 0..<passLength {
            let batch = try batches.next()
            let probabilities = try model.forward(batch.inputs, training: false)[0]
            let classes = probabilities.shape[1]
            scores += probabilities.toArray().enumerated().compactMap { $0.offset % classes == data.positiveClass ? Double($0.element) : nil }
        }
        return (try BinaryPredictions(scores: scores, labels: data.positiveLabels(images)), images.map(\.path))
    }
}

/// A validation source the fit loop restarts at every evaluation, continuing where the last one stopped instead,
/// as the notebooks' Keras 2.2 `fit_generator` did with `validation_steps = n // bs`.
final class ContinuedBatches: TrainingBatches {
    private var batches: any TrainingBatches

    init(_ batches: any TrainingBatches) { self.batches = batches }

    func next() throws -> TrainingBatch { try batches.next() }

    func skip(_ count: Int) throws { try batches.skip(count) }
}

/// The head's fresh weights over the converted base file: a recipe's full model reads each weight from whichever
/// holds it.
struct HeadOverBase<Base: WeightSource>: WeightSource {
    let head: InMemoryWeights
    let base: Base

    var origin: String { "\(head.origin) over \(base.origin)" }

    func tensor(named name: String, shape: [Int]) throws -> Tensor {
        head.tensors[name] != nil ? try head.tensor(named: name, shape: shape) : try base.tensor(named: name, shape: shape)
    }

    func withValues<Result>(named name: String, shape: [Int], _ body: (UnsafeBufferPointer<Float>) throws -> Result) throws -> Result {
        head.tensors[name] != nil ? try head.withValues(named: name, shape: shape, body) : try base.withValues(named: name, shape: shape, body)
    }
}

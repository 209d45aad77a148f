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
}

/// One fine-tuning run of a recipe, as Keras' `model.fit` would train it: the recipe's model with the converted base
/// and a freshly initialised head, the protocol's images through Bench's batch streams, the recipe's optimizer and
/// callbacks; then the test images scored once, un-augmented, at a threshold fixed beforehand.
public enum FineTuneRun {
    public static func run(_ model: RecipeModel, base: BaseWeights, data: RunData, options: RunOptions) throws -> RunOutcome {
        let started = Date()
        let recipe = model.recipe
        let file = try SafetensorsFile(path: base.file.path)
        let store = try ParameterStore(graph: model.full, weights: HeadOverBase(head: try model.initialHeadWeights(seed: options.seed), base: file))
        // The clean protocol runs frozen BatchNormalization as TF2 and Keras 3 do (inference mode); the seed protocol
        // as the recipe says (the notebooks' Keras 2.2).
        let frozenBatchNorm = options.benchProtocol == .seed ? recipe.frozenBatchNorm : .tf2
        let training = try TrainingModel(graph: model.full, parameters: store, frozenBatchNorm: frozenBatchNorm, dropoutSeed: options.seed)

        let batchSize = recipe.training.batchSize
        let loader = ImageLoader(targetSize: .init(width: recipe.input.size, height: recipe.input.size),
                                 interpolation: recipe.input.interpolation)
        let augmentation = try recipe.training.augmentation?.config
        func stream(_ split: Split, shuffle: Bool, augment: Bool) throws -> StreamedBatches {
            StreamedBatches(stream: try BatchStream(split, of: data.dataset, loader: loader, config: BatchConfig(
                batchSize: batchSize, shuffle: shuffle, seed: options.seed, augmentation: augment ? augmentation : nil,
                preprocessing: recipe.input.preprocessing)))
        }
        let trainingBatches = try stream(data.train, shuffle: true, augment: true)
        // One validation stream continued from evaluation to evaluation: with n // bs steps it scores the notebooks'
        // rotating window; with whole passes, every image each time.
        let validationBatches = try stream(data.validation, shuffle: false, augment: data.augmentValidation)
        let settings = Fit.Settings(epochs: recipe.training.epochs, stepsPerEpoch: data.steps(data.train, batchSize: batchSize),
                                    validationSteps: data.steps(data.validation, batchSize: batchSize))
        var callbacks = try recipe.training.callbacks.make(for: options.benchProtocol, epochs: settings.epochs)
        callbacks.append(EpochTiming())
        if !options.quiet { callbacks.append(TrainingProgress(epochs: settings.epochs, steps: settings.stepsPerEpoch)) }
        let fit = try Fit(model: training, optimizer: try makeOptimizer(recipe.training.optimizer), callbacks: callbacks)
        let history = try fit.run(training: trainingBatches, validation: { validationBatches }, settings: settings)

        let score = { (split: Split) in
            try predictions(of: training, on: split, data: data, loader: loader, preprocessing: recipe.input.preprocessing,
                            batchSize: batchSize)
        }
        let threshold: Threshold
        switch options.benchProtocol {
        case .seed: threshold = .fixed
        case .clean: threshold = try Threshold.choose(options.thresholdRule, on: try score(data.validation).predictions)
        }
        let test = try score(data.test)
        var metrics: RunMetrics?, problem: String?
        do {
            metrics = try RunMetrics(test.predictions, threshold: threshold, bootstrap: options.bootstrap)
        } catch {
            problem = "\(error)"
        }
        return RunOutcome(history: history, threshold: threshold, test: test.predictions, testImages: test.images,
                          metrics: metrics, metricsProblem: problem, wallSeconds: Date().timeIntervalSince(started))
    }

    static func makeOptimizer(_ settings: Recipe.OptimizerSettings) throws -> any Optimizer {
        switch settings.name {
        case "adam": Adam(learningRate: settings.learningRate)
        case "sgd": SGD(learningRate: settings.learningRate)
        case "rmsprop": RMSprop(learningRate: settings.learningRate)
        default: throw RecipeError("optimizer '\(settings.name)': expected adam, sgd or rmsprop")
        }
    }

    /// The positive class's probability for every image of `split`, in inference mode, un-augmented, in path order.
    static func predictions(of model: TrainingModel, on split: Split, data: RunData, loader: ImageLoader,
                            preprocessing: Preprocessing, batchSize: Int) throws -> (predictions: BinaryPredictions, images: [String]) {
        let stream = try BatchStream(split, of: data.dataset, loader: loader, config: BatchConfig(
            batchSize: batchSize, shuffle: false, seed: 0, preprocessing: preprocessing))
        var scores: [Double] = [], labels: [Int] = [], images: [String] = []
        for _ in 0..<stream.batchesPerPass {
            let batch = try stream.next()
            let probabilities = try model.forward([try batch.imageTensor()], training: false)[0].toArray()
            for index in 0..<batch.count {
                scores.append(Double(probabilities[index * batch.classCount + data.positiveClass]))
                labels.append(batch.labels[index] == data.positiveClass ? 1 : 0)
            }
            images += batch.paths
        }
        return (try BinaryPredictions(scores: scores, labels: labels), images)
    }
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

/// One fine-tuning run of `zoo bench`: a recipe on a dataset under a protocol, one seed, one engine, evaluated
/// on a test set and timed. One `RunRecord` is one line of `results.jsonl`; every table, plot and provenance row
/// of the report is read from these records and nothing else, so a number in a table traces back to one line.
public struct RunRecord: Codable, Sendable, Equatable {
    /// The recipe's name, e.g. "vgg16-tb".
    public var recipe: String
    /// The architecture, e.g. "VGG16".
    public var model: String
    /// "tb" or "melanoma".
    public var dataset: String
    /// "synthetic", or the folder the images came from.
    public var datasetSource: String
    /// "seed" (the notebooks' own protocol) or "clean" (a held-out split); JSON key "protocol".
    public var protocolName: String
    public var seed: UInt64
    /// The cross-validation fold, when the protocol has folds.
    public var fold: Int?
    /// "zoo" or "keras".
    public var engine: String
    /// "head" (frozen base) or "fine-tune".
    public var phase: String
    /// What the test numbers were measured on, in words the tables print, e.g.
    /// "test split: 40 images (20 TB, 20 normal)".
    public var evaluationSet: String
    /// Caveats the tables print next to the row (as footnotes), e.g. that the base was not ImageNet-initialised.
    public var notes: [String]
    public var provenance: Provenance
    /// Chosen on validation, applied unchanged to the test set.
    public var threshold: Threshold
    public var test: TestPredictions
    /// Nil when the test set cannot support the metrics (fewer than two images of a class); the tables say why.
    public var metrics: RunMetrics?
    public var history: [EpochRecord]
    public var timing: RunTiming

    public init(recipe: String, model: String, dataset: String, datasetSource: String, protocolName: String,
                seed: UInt64, fold: Int? = nil, engine: String, phase: String, evaluationSet: String, notes: [String],
                provenance: Provenance, threshold: Threshold, test: TestPredictions, metrics: RunMetrics?,
                history: [EpochRecord], timing: RunTiming) {
        self.recipe = recipe
        self.model = model
        self.dataset = dataset
        self.datasetSource = datasetSource
        self.protocolName = protocolName
        self.seed = seed
        self.fold = fold
        self.engine = engine
        self.phase = phase
        self.evaluationSet = evaluationSet
        self.notes = notes
        self.provenance = provenance
        self.threshold = threshold
        self.test = test
        self.metrics = metrics
        self.history = history
        self.timing = timing
    }

    enum CodingKeys: String, CodingKey {
        case recipe, model, dataset, datasetSource, protocolName = "protocol", seed, fold, engine, phase, evaluationSet,
             notes, provenance, threshold, test, metrics, history, timing
    }

    /// Why `metrics` is nil, in words for a table cell; nil when the run has metrics.
    public var missingMetricsReason: String? {
        guard metrics == nil else { return nil }
        let positives = test.labels.filter { $0 == 1 }.count, negatives = test.labels.count - positives
        guard positives < 2 || negatives < 2 else { return "no metrics were recorded for this run" }
        return "no metrics: the test set holds \(positives) positive and \(negatives) negative images; "
            + "the metrics need at least 2 of each"
    }
}

/// Where a run's numbers came from: enough to rebuild it or to tell two runs apart.
public struct Provenance: Codable, Sendable, Equatable {
    /// SHA-256 of the Keras checkpoint the run started from.
    public var sourceCheckpointSHA256: String
    /// SHA-256 of Zoo's converted weights; nil for a Keras run, which reads the checkpoint itself.
    public var convertedSHA256: String?
    /// The layer-by-layer parity check's verdict on the conversion, e.g. "pass (max |diff| 3.1e-6)".
    public var parityVerdict: String
    /// The dataset manifest's digest (Data/Datasets/Manifest.swift).
    public var datasetManifestDigest: String
    public var recipeSHA256: String
    public var zooVersion: String
    public var zooCommit: String
    /// e.g. "AMD EPYC 7B13 (Zen 3)".
    public var cpuModel: String
    /// e.g. ["avx2", "fma"].
    public var vectorExtensions: [String]

    public init(sourceCheckpointSHA256: String, convertedSHA256: String?, parityVerdict: String, datasetManifestDigest: String,
                recipeSHA256: String, zooVersion: String, zooCommit: String, cpuModel: String, vectorExtensions: [String]) {
        self.sourceCheckpointSHA256 = sourceCheckpointSHA256
        self.convertedSHA256 = convertedSHA256
        self.parityVerdict = parityVerdict
        self.datasetManifestDigest = datasetManifestDigest
        self.recipeSHA256 = recipeSHA256
        self.zooVersion = zooVersion
        self.zooCommit = zooCommit
        self.cpuModel = cpuModel
        self.vectorExtensions = vectorExtensions
    }
}

/// The test images, their labels (1 = positive class) and the model's positive-class probabilities, in one order:
/// kept whole so paired tests, curves and their bands can be recomputed from the log.
public struct TestPredictions: Codable, Sendable, Equatable {
    public var images: [String]
    public var labels: [Int]
    public var scores: [Double]

    public init(images: [String], labels: [Int], scores: [Double]) {
        self.images = images
        self.labels = labels
        self.scores = scores
    }

    /// Validated (lengths, finite scores, 0/1 labels) for the metrics.
    public func predictions() throws -> BinaryPredictions {
        guard images.count == labels.count else {
            throw MetricsError.invalidInput("\(images.count) image names but \(labels.count) labels")
        }
        return try BinaryPredictions(scores: scores, labels: labels)
    }
}

/// One epoch of training as the fit loop reported it.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    public var loss: Double
    public var accuracy: Double
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    public var learningRate: Double
    public var seconds: Double

    public init(epoch: Int, loss: Double, accuracy: Double, validationLoss: Double? = nil, validationAccuracy: Double? = nil,
                learningRate: Double, seconds: Double) {
        self.epoch = epoch
        self.loss = loss
        self.accuracy = accuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.learningRate = learningRate
        self.seconds = seconds
    }
}

/// How long a run took, wall clock.
public struct RunTiming: Codable, Sendable, Equatable {
    /// The whole run: data, feature caching, training and evaluation.
    public var wallSeconds: Double
    /// Computing the frozen base's features once, when the recipe caches them.
    public var featureCachingSeconds: Double?
    public var meanEpochSeconds: Double
    /// Whether epochs trained on cached features (head only) rather than running the base every step.
    public var featureCache: Bool

    public init(wallSeconds: Double, featureCachingSeconds: Double? = nil, meanEpochSeconds: Double, featureCache: Bool) {
        self.wallSeconds = wallSeconds
        self.featureCachingSeconds = featureCachingSeconds
        self.meanEpochSeconds = meanEpochSeconds
        self.featureCache = featureCache
    }
}

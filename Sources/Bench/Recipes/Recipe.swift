import Foundation
import Tensor
import Zoo

/// One benchmark recipe: a JSON file a user can copy and edit (`Benchmarks/recipes/*.json`, docs/bench.md). It names
/// the base and its weights, the head layer by layer, what is frozen, the input, and how the head is trained:
/// augmentation, optimizer, loss, epochs, batch size and callbacks, as the notebook it reproduces has them.
public struct Recipe: Codable, Sendable, Equatable {
    public var name: String
    public var summary: String
    /// The notebook the recipe reproduces (docs/notebooks.md), for the report.
    public var notebook: String
    /// `tb` or `melanoma`: which of `zoo bench --data` feeds it.
    public var dataset: DatasetKind
    public var base: Base
    public var input: Input
    /// The new layers after the base, in order; each reads the previous one unless it names its `inputs`.
    public var head: [HeadLayer]
    /// What Keras' `model.summary()` counts as trainable for this model; checked when the model is built.
    public var trainableParameters: Int
    /// What a frozen BatchNormalization does while training (the notebooks ran Keras 2.2: `keras2`).
    public var frozenBatchNorm: FrozenBatchNorm
    public var training: Training
    /// The augmented views per image the feature cache keeps (0: only the image itself).
    public var featureViews: Int
    /// The "phase 2" the notebooks' titles promise: the top of the base unfrozen at a lower learning rate.
    public var fineTune: FineTune?

    public enum DatasetKind: String, Codable, Sendable, CaseIterable {
        case tb, melanoma
    }

    public struct Base: Codable, Sendable, Equatable {
        /// `vgg16`, `vgg19` or `resnet50`, without the top (the registry's `<architecture>-notop` weights).
        public var architecture: String
        /// `nested`: the base is one layer of the model (`outputs = vgg16(inputs)`); `inline`: its layers join the
        /// model's graph (`Model(resnet50.input, outputs)`). It decides the weights' names, as in Keras.
        public var join: Join
        public enum Join: String, Codable, Sendable { case nested, inline }
    }

    public struct Input: Codable, Sendable, Equatable {
        /// Square images of `size` pixels a side.
        public var size: Int
        public var preprocessing: Preprocessing
        public var interpolation: ImageLoader.Interpolation
    }

    public struct Training: Codable, Sendable, Equatable {
        public var optimizer: OptimizerSettings
        public var epochs: Int
        public var batchSize: Int
        /// The training generator's augmentation (nil: none).
        public var augmentation: KerasAugmentation?
        public var callbacks: Callbacks

        enum CodingKeys: String, CodingKey { case optimizer, epochs, batchSize = "batch_size", augmentation, callbacks }
    }

    public struct OptimizerSettings: Codable, Sendable, Equatable {
        /// `adam`, `sgd` or `rmsprop`, with Keras' defaults for what is not given.
        public var name: String
        public var learningRate: Float

        enum CodingKeys: String, CodingKey { case name, learningRate = "learning_rate" }
    }

    /// The notebooks' callbacks with their settings, mistakes included (the seed protocol keeps them).
    public struct Callbacks: Codable, Sendable, Equatable {
        public var reduceLROnPlateau: ReduceLR?
        public var modelCheckpoint: Checkpoint?
        public var earlyStopping: Stopping?

        public struct ReduceLR: Codable, Sendable, Equatable {
            public var monitor: String
            public var factor: Double
            public var patience: Int
            public var minDelta: Double
            public var cooldown: Int
            public var minLR: Double

            enum CodingKeys: String, CodingKey {
                case monitor, factor, patience, minDelta = "min_delta", cooldown, minLR = "min_lr"
            }
        }

        public struct Checkpoint: Codable, Sendable, Equatable {
            public var monitor: String
            public var mode: String
        }

        public struct Stopping: Codable, Sendable, Equatable {
            /// The VGG notebooks wrote `"'val_acc'"`, quotes included: Keras never finds it and never stops.
            public var monitor: String
            public var patience: Int
            public var mode: String
        }

        enum CodingKeys: String, CodingKey {
            case reduceLROnPlateau = "reduce_lr_on_plateau", modelCheckpoint = "model_checkpoint", earlyStopping = "early_stopping"
        }
    }

    public struct FineTune: Codable, Sendable, Equatable {
        /// This base layer and every layer after it train in phase 2.
        public var trainableFrom: String
        public var epochs: Int
        public var learningRate: Float

        enum CodingKeys: String, CodingKey { case trainableFrom = "trainable_from", epochs, learningRate = "learning_rate" }
    }

    enum CodingKeys: String, CodingKey {
        case name, summary, notebook, dataset, base, input, head, training
        case trainableParameters = "trainable_parameters", frozenBatchNorm = "frozen_batch_norm"
        case featureViews = "feature_views", fineTune = "fine_tune"
    }
}

/// `ImageDataGenerator`'s augmentation arguments under their Keras names, as a notebook writes them.
public struct KerasAugmentation: Codable, Sendable, Equatable {
    public var rotationRange: Double = 0
    public var widthShiftRange: Double = 0
    public var heightShiftRange: Double = 0
    public var shearRange: Double = 0
    public var zoomRange: Double = 0
    public var horizontalFlip = false
    public var verticalFlip = false
    public var fillMode: FillMode = .nearest
    /// Where the transform turns: `keras_preprocessing_1.1.0` (what the notebooks ran) or `keras3`.
    public var centre: String = "keras_preprocessing_1.1.0"

    public var config: AugmentationConfig {
        get throws {
            var config = AugmentationConfig()
            config.rotationRange = rotationRange
            config.widthShiftRange = widthShiftRange
            config.heightShiftRange = heightShiftRange
            config.shearRange = shearRange
            config.setZoomRange(zoomRange)
            config.horizontalFlip = horizontalFlip
            config.verticalFlip = verticalFlip
            config.fillMode = fillMode
            switch centre {
            case "keras_preprocessing_1.1.0": config.centre = .kerasPreprocessing110
            case "keras3": config.centre = .keras3
            default: throw RecipeError("augmentation.centre '\(centre)': expected keras_preprocessing_1.1.0 or keras3")
            }
            return config
        }
    }

    enum CodingKeys: String, CodingKey {
        case rotationRange = "rotation_range", widthShiftRange = "width_shift_range", heightShiftRange = "height_shift_range"
        case shearRange = "shear_range", zoomRange = "zoom_range", horizontalFlip = "horizontal_flip"
        case verticalFlip = "vertical_flip", fillMode = "fill_mode", centre
    }
}

/// One head layer. `type` says which fields apply (docs/bench.md lists them); `inputs` names the layers it reads
/// (`base` is the base's output), by default the layer before it.
public struct HeadLayer: Codable, Sendable, Equatable {
    public var type: String
    public var name: String
    public var inputs: [String]?
    public var units: Int?
    public var filters: Int?
    public var kernelSize: Int?
    public var padding: String?
    public var activation: String?
    public var alpha: Double?
    public var rate: Double?
    public var useBias: Bool?
    public var trainable: Bool?
    /// A Keras initialiser class name for the kernel (`Ones` for the attention head's fan-out).
    public var kernelInitializer: String?
    /// L2 factor of a kernel regulariser (`kernel_regularizer=l2(0.001)`).
    public var l2: Double?

    enum CodingKeys: String, CodingKey {
        case type, name, inputs, units, filters, kernelSize = "kernel_size", padding, activation, alpha, rate
        case useBias = "use_bias", trainable, kernelInitializer = "kernel_initializer", l2
    }
}

/// A recipe that cannot be read or built: the file and what is wrong with it.
public struct RecipeError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Recipe {
    /// Reads a recipe file strictly: a key the format does not know (a typo) is an error naming its path in the file,
    /// as is a missing or mistyped one.
    public static func read(from url: URL) throws -> Recipe {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw RecipeError("\(url.path): cannot read the recipe: \(error.localizedDescription)") }
        let recipe: Recipe
        do {
            recipe = try JSONDecoder().decode(Recipe.self, from: data)
        } catch let error as DecodingError {
            throw RecipeError("\(url.path): \(Self.describe(error))")
        }
        let known = try JSONSerialization.jsonObject(with: JSONEncoder().encode(recipe))
        if let unknown = Self.unknownKeys(in: try JSONSerialization.jsonObject(with: data), known: known, path: "").first {
            throw RecipeError("\(url.path): unknown key '\(unknown)' (docs/bench.md lists the recipe format)")
        }
        try recipe.validate(file: url.path)
        return recipe
    }

    /// The SHA-256 of the recipe's canonical JSON (sorted keys): what results name as the recipe that made them.
    public var digest: String {
        get throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return ContentHash.sha256Hex(of: try encoder.encode(self))
        }
    }

    func validate(file: String) throws {
        func fail(_ problem: String) -> RecipeError { RecipeError("\(file): \(problem)") }
        guard ["vgg16", "vgg19", "resnet50"].contains(base.architecture) else {
            throw fail("base.architecture '\(base.architecture)': expected vgg16, vgg19 or resnet50")
        }
        guard input.size >= 32 else { throw fail("input.size \(input.size): at least 32 pixels (the base halves it five times)") }
        guard training.epochs > 0, training.batchSize > 0 else { throw fail("training.epochs and training.batch_size must be at least 1") }
        guard training.optimizer.learningRate > 0 else { throw fail("training.optimizer.learning_rate must be positive") }
        guard ["adam", "sgd", "rmsprop"].contains(training.optimizer.name) else {
            throw fail("training.optimizer.name '\(training.optimizer.name)': expected adam, sgd or rmsprop")
        }
        guard featureViews >= 0 else { throw fail("feature_views must be 0 or more") }
        guard !head.isEmpty else { throw fail("head: no layers") }
        _ = try training.augmentation?.config
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing key '\(key.stringValue)' at '\(path(context))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "'\(path(context))': \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    /// Keys of `given` (the file's JSON) that `known` (the decoded recipe encoded again) lacks: what decoding ignored.
    static func unknownKeys(in given: Any, known: Any, path: String) -> [String] {
        if let given = given as? [String: Any] {
            let known = known as? [String: Any] ?? [:]
            return given.keys.sorted().flatMap { key -> [String] in
                let keyPath = path.isEmpty ? key : "\(path).\(key)"
                guard let value = known[key] else { return given[key] is NSNull ? [] : [keyPath] }
                return unknownKeys(in: given[key]!, known: value, path: keyPath)
            }
        }
        if let given = given as? [Any], let known = known as? [Any] {
            return zip(given, known).enumerated().flatMap { unknownKeys(in: $1.0, known: $1.1, path: "\(path)[\($0)]") }
        }
        return []
    }
}

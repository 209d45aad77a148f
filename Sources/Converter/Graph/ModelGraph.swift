/// The model graph: what a Keras model config describes, in the form Zoo executes and stores.
///
/// It is written into every converted file (metadata key `graph`) as JSON, produced by the Keras
/// config importer and by Zoo's named architectures alike, and run by Zoo's generic builder.
/// Nested Keras models are flattened: their layers appear in place of the sub-model, carrying the
/// sub-model's name in `scope`, so weight matching can still treat the sub-model as one Keras layer.
public struct ModelGraph: Codable, Sendable, Equatable {
    public var name: String
    /// Layers in Keras `model.layers` order (the order legacy checkpoints are loaded in).
    public var layers: [Layer]
    /// Names of the `input` layers and of the layers whose outputs are the model's outputs.
    public var inputs: [String]
    public var outputs: [String]

    public init(name: String, layers: [Layer], inputs: [String], outputs: [String]) {
        self.name = name
        self.layers = layers
        self.inputs = inputs
        self.outputs = outputs
    }

    /// Every weight tensor, named `<layer>/<weight>` as stored in a converted file.
    public var weightSpecs: [(tensorName: String, spec: WeightSpec)] {
        layers.flatMap { layer in layer.weights.map { (layer.tensorName(of: $0), $0) } }
    }

    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// Keras' "Trainable params" of `model.summary()`: the weights an optimizer updates.
    public var trainableParameterCount: Int { layers.reduce(0) { $0 + $1.trainableParameterCount } }

    public func layer(named name: String) -> Layer? { layers.first { $0.name == name } }

    /// Keras' `model.trainable = False`: no layer of this model trains, whatever its own flag says.
    /// Applied to a model before it is nested or joined, it freezes exactly that model's layers.
    public mutating func freeze() {
        for index in layers.indices { layers[index].trainable = false }
    }
}

public struct Layer: Codable, Sendable, Equatable {
    public var name: String
    public var op: Op
    /// What the op needs to run (keys in `ShapeInference`) and what training needs (keys on `Op`).
    public var attributes: [String: AttributeValue]
    /// Producing layers, one per input tensor (every layer here has a single output).
    public var inputs: [String]
    /// The layer's weights in Keras order (Conv2D: kernel, bias; BatchNormalization: gamma, beta,
    /// moving_mean, moving_variance, less those `center`/`scale` switch off).
    public var weights: [WeightSpec]
    /// Enclosing nested models, outermost first; empty at the top level.
    public var scope: [String]
    /// Whether an optimizer updates this layer's weights: Keras' `trainable`, already combined with
    /// every enclosing model's (a layer trains only if it and all models around it do), so a reader
    /// needs no scope walk. A field of its own rather than an attribute because every op has it, it
    /// is what the trainable mask is built from, and nesting rewrites it, which attributes never are.
    /// Graphs written before it existed have no `trainable` key and decode as trainable, Keras' default.
    /// (Keras also runs a frozen BatchNormalization in inference mode, on its moving statistics.)
    public var trainable: Bool

    public init(name: String, op: Op, attributes: [String: AttributeValue] = [:], inputs: [String] = [],
                weights: [WeightSpec] = [], scope: [String] = [], trainable: Bool = true) {
        self.name = name
        self.op = op
        self.attributes = attributes
        self.inputs = inputs
        self.weights = weights
        self.scope = scope
        self.trainable = trainable
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        op = try container.decode(Op.self, forKey: .op)
        attributes = try container.decode([String: AttributeValue].self, forKey: .attributes)
        inputs = try container.decode([String].self, forKey: .inputs)
        weights = try container.decode([WeightSpec].self, forKey: .weights)
        scope = try container.decode([String].self, forKey: .scope)
        trainable = try container.decodeIfPresent(Bool.self, forKey: .trainable) ?? true
    }

    public func tensorName(of weight: WeightSpec) -> String { "\(name)/\(weight.name)" }

    public var parameterCount: Int { weights.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    /// Keras' `layer.trainable_weights` inside its model: none when frozen, and never the non-trainable ones
    /// (BatchNormalization's moving statistics, Normalization's adapted values).
    public var trainableWeights: [WeightSpec] { trainable ? weights.filter { !$0.isNonTrainable } : [] }

    public var trainableParameterCount: Int { trainableWeights.reduce(0) { $0 + $1.shape.reduce(1, *) } }
}

public struct WeightSpec: Codable, Sendable, Equatable {
    /// Short Keras name: `kernel`, `bias`, `gamma`, `beta`, `moving_mean`, `moving_variance`.
    public var name: String
    public var shape: [Int]

    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
    }

    /// BatchNormalization's `moving_mean` and `moving_variance`, which training updates by averaging, not by gradient.
    public var isMovingStatistic: Bool { name == "moving_mean" || name == "moving_variance" }

    /// Normalization's `mean`, `variance` and `count`: set by `adapt()` before training, never by it.
    public var isAdaptedStatistic: Bool { name == "mean" || name == "variance" || name == "count" }

    /// Keras' non-trainable weights: no optimizer changes them, whatever the layer's `trainable` says.
    public var isNonTrainable: Bool { isMovingStatistic || isAdaptedStatistic }
}

/// The operations Zoo knows. Raw values are what the `graph` metadata stores.
///
/// The attributes an op needs to run are listed in `ShapeInference`. Training reads more, kept with
/// the names and meaning of the Keras config keys (`TrainingAttributes` builds them); inference
/// ignores them all. Absent keys (graphs converted before they were kept) mean Keras' defaults.
/// - `conv2d`, `depthwise_conv2d`, `dense`: `kernel_initializer`, `bias_initializer`; when set, `kernel_regularizer`,
///   `bias_regularizer`, `activity_regularizer`, `kernel_constraint`, `bias_constraint`. A DepthwiseConv2D config's
///   `depthwise_initializer`, `depthwise_regularizer` and `depthwise_constraint` are kept under the `kernel_` keys,
///   after the weight they apply to, so training reads every layer's `<weight>_initializer` alike.
/// - `separable_conv2d`: the same keys, and `depthwise_kernel_*` and `pointwise_kernel_*` for the config's
///   `depthwise_*` and `pointwise_*` (no `kernel_*`).
/// - `batch_norm`: `momentum` (of the moving statistics, Keras' 0.99 by default);
///   `gamma_initializer`, `beta_initializer`, `moving_mean_initializer`, `moving_variance_initializer`;
///   when set, `gamma_regularizer`, `beta_regularizer`, `gamma_constraint`, `beta_constraint`.
/// - `layer_norm`: `gamma_initializer`, `beta_initializer`; when set, `gamma_regularizer`, `beta_regularizer`,
///   `gamma_constraint`, `beta_constraint`.
/// - `dropout`: `kind`, the Keras layer it was: `dropout` (zeroes with probability `rate`),
///   `spatial_dropout2d` (whole channels, `rate`), `alpha_dropout` (`rate`), `gaussian_dropout`
///   (multiplies by N(1, rate/(1-rate)), `rate`) or `gaussian_noise` (adds N(0, `stddev`));
///   optional `noise_shape` (ints, -1 = the input's size) and `seed`. Absent `kind`: `dropout`.
///
/// Initialisers, regularisers and constraints are objects: the Keras class and its config,
/// `{"class": "VarianceScaling", "scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal"}`,
/// `{"class": "L2", "l2": 0.001}`. Factors of L1, L2 and L1L2 are the shortest decimal of their float32
/// value (tf-keras writes 0.001 as 0.0010000000474974513, Keras 3 as 0.001: one penalty). A class
/// Zoo does not know (a custom regulariser) is kept all the same, under its name, for training to
/// refuse with that name; it never fails a conversion, since inference does not need it.
public enum Op: String, Codable, Sendable, CaseIterable {
    case input
    /// Keras `Conv2D`; with `groups` > 1 (absent: 1) a grouped convolution, whose kernel is `(kh, kw, in / groups, filters)`.
    case conv2d
    /// Keras `DepthwiseConv2D`: one `(kh, kw, in, depth_multiplier)` kernel, named `kernel` as Keras 3 names it.
    case depthwiseConv2d = "depthwise_conv2d"
    /// Keras `SeparableConv2D`: a depthwise stage (`depthwise_kernel`, `(kh, kw, in, depth_multiplier)`, no bias), then a
    /// 1x1 convolution (`pointwise_kernel`, `(1, 1, in · depth_multiplier, filters)`) with the `bias` and activation.
    case separableConv2d = "separable_conv2d"
    case dense
    case batchNorm = "batch_norm"
    /// Keras `LayerNormalization` over the last axis: each position normalised by its own statistics, then `gamma`
    /// and `beta` (each per channel, absent when `scale` or `center` is off).
    case layerNorm = "layer_norm"
    case maxPool2d = "max_pool2d"
    case avgPool2d = "avg_pool2d"
    case globalAvgPool2d = "global_avg_pool2d"
    case globalMaxPool2d = "global_max_pool2d"
    case zeroPad2d = "zero_pad2d"
    /// Keras `Cropping2D`: `cropping` [top, bottom, left, right] rows and columns removed.
    case cropping2d
    /// Keras `CenterCrop`: the middle `height` x `width` of the image (an input smaller than that resized to it).
    case centerCrop = "center_crop"
    /// Keras `UpSampling2D`: rows and columns repeated (`nearest`) or interpolated (`bilinear`) `size` times.
    case upSampling2d = "up_sampling2d"
    /// Keras `Permute`: the non-batch axes reordered by `dims` (Keras' count, from 1).
    case permute
    /// Keras `Resizing`: the image resized to `height` x `width` by `interpolation` (`bilinear` or `nearest`), first cut to
    /// its centred window of that aspect ratio when `crop_to_aspect_ratio` is true.
    case resizing
    case add
    case subtract
    case multiply
    case maximum
    case average
    case concatenate
    case flatten
    /// Keras `Reshape`: the values in the same order under `target_shape` (without the batch axis; one -1 is inferred).
    case reshape
    case dropout
    case activation
    /// `x[0] / x[1]`: the attention-VGG16's `RescaleGAP` Lambda, translated by name.
    case divide
    /// Keras `Normalization`: `(x - mean) / max(sqrt(variance), 1e-7)` per channel, or its inverse. Adapted values are
    /// the weights `mean`, `variance` and `count` (adapt's sample count, which nothing reads); values given to the
    /// layer's constructor are the attributes `mean` and `variance` instead.
    case normalization
    /// Keras `Rescaling`: `x * scale + offset`, each a number or one per channel.
    case rescaling
}

/// A layer attribute: the small JSON subset Keras configs use for the fields that matter.
public enum AttributeValue: Codable, Sendable, Equatable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case ints([Int])
    /// Numbers that are not all integers: a preprocessing layer's per-channel values.
    case doubles([Double])
    /// A serialised Keras object (initialiser, regulariser, constraint): `class` and its config.
    case object([String: AttributeValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([Int].self) { self = .ints(value) }
        else if let value = try? container.decode([Double].self) { self = .doubles(value) }
        else { self = .object(try container.decode([String: AttributeValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .ints(let value): try container.encode(value)
        case .doubles(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public var description: String {
        switch self {
        case .int(let value): "\(value)"
        case .double(let value): "\(value)"
        case .string(let value): value
        case .bool(let value): "\(value)"
        case .ints(let value): "\(value)"
        case .doubles(let value): "\(value)"
        case .object(let fields):
            // Keras' own notation: L2(l2=0.001), VarianceScaling(distribution=uniform, mode=fan_in, scale=2.0)
            (fields["class"]?.stringValue ?? "") + "("
                + fields.filter { $0.key != "class" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
        }
    }

    /// JSON writes the double 2.0 as 2, which reads back as an int: numbers compare by value.
    public static func == (lhs: AttributeValue, rhs: AttributeValue) -> Bool {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): a == b
        case (.int, .double), (.double, .int), (.double, .double): lhs.doubleValue == rhs.doubleValue
        case (.string(let a), .string(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.ints(let a), .ints(let b)): a == b
        case (.ints, .doubles), (.doubles, .ints), (.doubles, .doubles): lhs.doublesValue == rhs.doublesValue
        case (.object(let a), .object(let b)): a == b
        default: false
        }
    }

    public var intValue: Int? { if case .int(let v) = self { v } else { nil } }
    public var doubleValue: Double? {
        switch self {
        case .double(let v): v
        case .int(let v): Double(v)
        default: nil
        }
    }
    /// A list of numbers, or one number as a list of one: a preprocessing layer's values, per channel or for all.
    public var doublesValue: [Double]? {
        switch self {
        case .doubles(let v): v
        case .ints(let v): v.map(Double.init)
        case .double, .int: [doubleValue!]
        default: nil
        }
    }
    public var stringValue: String? { if case .string(let v) = self { v } else { nil } }
    public var boolValue: Bool? { if case .bool(let v) = self { v } else { nil } }
    public var intsValue: [Int]? { if case .ints(let v) = self { v } else { nil } }
    public var objectValue: [String: AttributeValue]? { if case .object(let v) = self { v } else { nil } }
}

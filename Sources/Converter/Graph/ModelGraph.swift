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

    public func layer(named name: String) -> Layer? { layers.first { $0.name == name } }
}

public struct Layer: Codable, Sendable, Equatable {
    public var name: String
    public var op: Op
    public var attributes: [String: AttributeValue]
    /// Producing layers, one per input tensor (every layer here has a single output).
    public var inputs: [String]
    /// The layer's weights in Keras order (Conv2D: kernel, bias; BatchNormalization: gamma, beta,
    /// moving_mean, moving_variance, less those `center`/`scale` switch off).
    public var weights: [WeightSpec]
    /// Enclosing nested models, outermost first; empty at the top level.
    public var scope: [String]

    public init(name: String, op: Op, attributes: [String: AttributeValue] = [:], inputs: [String] = [],
                weights: [WeightSpec] = [], scope: [String] = []) {
        self.name = name
        self.op = op
        self.attributes = attributes
        self.inputs = inputs
        self.weights = weights
        self.scope = scope
    }

    public func tensorName(of weight: WeightSpec) -> String { "\(name)/\(weight.name)" }

    public var parameterCount: Int { weights.reduce(0) { $0 + $1.shape.reduce(1, *) } }
}

public struct WeightSpec: Codable, Sendable, Equatable {
    /// Short Keras name: `kernel`, `bias`, `gamma`, `beta`, `moving_mean`, `moving_variance`.
    public var name: String
    public var shape: [Int]

    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
    }
}

/// The operations Zoo knows. Raw values are what the `graph` metadata stores.
public enum Op: String, Codable, Sendable, CaseIterable {
    case input
    case conv2d
    case dense
    case batchNorm = "batch_norm"
    case maxPool2d = "max_pool2d"
    case avgPool2d = "avg_pool2d"
    case globalAvgPool2d = "global_avg_pool2d"
    case globalMaxPool2d = "global_max_pool2d"
    case zeroPad2d = "zero_pad2d"
    case add
    case subtract
    case multiply
    case maximum
    case average
    case concatenate
    case flatten
    case dropout
    case activation
    /// `x[0] / x[1]`: the attention-VGG16's `RescaleGAP` Lambda, translated by name.
    case divide
}

/// A layer attribute: the small JSON subset Keras configs use for the fields that matter.
public enum AttributeValue: Codable, Sendable, Equatable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case ints([Int])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else { self = .ints(try container.decode([Int].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .ints(let value): try container.encode(value)
        }
    }

    public var description: String {
        switch self {
        case .int(let value): "\(value)"
        case .double(let value): "\(value)"
        case .string(let value): value
        case .bool(let value): "\(value)"
        case .ints(let value): "\(value)"
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
    public var stringValue: String? { if case .string(let v) = self { v } else { nil } }
    public var boolValue: Bool? { if case .bool(let v) = self { v } else { nil } }
    public var intsValue: [Int]? { if case .ints(let v) = self { v } else { nil } }
}

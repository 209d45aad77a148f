import Converter
import Foundation
import Tensor
import Zoo

/// Keras 3's initialisers (`keras/src/initializers/random_initializers.py`, `constant_initializers.py`) as the
/// distribution each one draws from, read from the serialised objects the graph keeps
/// (`kernel_initializer: GlorotUniform()`). Zoo draws with its own seeded generator (`InitializerRandom`), so the
/// values are not Keras' but their distribution is.
public enum Initializer: Equatable, Sendable {
    case constant(Float)
    case uniform(min: Float, max: Float)
    case normal(mean: Float, stddev: Float)
    /// A normal cut at two standard deviations (re-drawn beyond), as `tf.random.truncated_normal`.
    case truncatedNormal(mean: Float, stddev: Float)

    /// The distribution `object` draws for a weight of `shape`.
    public init(_ attribute: AttributeValue, shape: [Int]) throws {
        guard let object = attribute.objectValue, let className = object["class"]?.stringValue else {
            throw OptimizerError("initialiser \(attribute) is not a serialised Keras object")
        }
        func number(_ key: String, _ fallback: Double) -> Float { Float(object[key]?.doubleValue ?? fallback) }
        switch className {
        case "Zeros": self = .constant(0)
        case "Ones": self = .constant(1)
        case "Constant": self = .constant(number("value", 0))
        case "RandomNormal": self = .normal(mean: number("mean", 0), stddev: number("stddev", 0.05))
        case "RandomUniform": self = .uniform(min: number("minval", -0.05), max: number("maxval", 0.05))
        case "TruncatedNormal": self = .truncatedNormal(mean: number("mean", 0), stddev: number("stddev", 0.05))
        case "VarianceScaling":
            self = try .varianceScaling(scale: Double(number("scale", 1)), mode: object["mode"]?.stringValue ?? "fan_in",
                                        distribution: object["distribution"]?.stringValue ?? "truncated_normal", shape: shape)
        default:
            guard let (scale, mode, distribution) = Self.varianceScalingFamily[className] else {
                throw OptimizerError("initialiser '\(className)': Zoo knows \((Self.varianceScalingFamily.keys.sorted() + ["Constant", "Ones", "RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling", "Zeros"]).sorted())")
            }
            self = try .varianceScaling(scale: scale, mode: mode, distribution: distribution, shape: shape)
        }
    }

    /// Keras' named `VarianceScaling` subclasses: scale, mode, distribution.
    static let varianceScalingFamily: [String: (Double, String, String)] = [
        "GlorotUniform": (1, "fan_avg", "uniform"), "GlorotNormal": (1, "fan_avg", "truncated_normal"),
        "HeUniform": (2, "fan_in", "uniform"), "HeNormal": (2, "fan_in", "truncated_normal"),
        "LecunUniform": (1, "fan_in", "uniform"), "LecunNormal": (1, "fan_in", "truncated_normal"),
    ]

    /// `VarianceScaling.__call__`: scale / max(1, fan); `truncated_normal` widens its stddev by 1 / 0.8796...,
    /// the stddev of a unit normal cut at +-2, so the drawn values keep the variance asked for.
    public static func varianceScaling(scale: Double, mode: String, distribution: String, shape: [Int]) throws -> Initializer {
        let (fanIn, fanOut) = fans(shape)
        let fan: Double
        switch mode {
        case "fan_in": fan = fanIn
        case "fan_out": fan = fanOut
        case "fan_avg": fan = (fanIn + fanOut) / 2
        default: throw OptimizerError("VarianceScaling mode '\(mode)' is not fan_in, fan_out or fan_avg")
        }
        let variance = scale / max(1, fan)
        switch distribution {
        // Keras 2's "normal" is the truncated normal, with the same correction (renamed in tf-keras and Keras 3).
        case "truncated_normal", "normal": return .truncatedNormal(mean: 0, stddev: Float(variance.squareRoot() / 0.87962566103423978))
        case "untruncated_normal": return .normal(mean: 0, stddev: Float(variance.squareRoot()))
        case "uniform": return .uniform(min: -Float((3 * variance).squareRoot()), max: Float((3 * variance).squareRoot()))
        default: throw OptimizerError("VarianceScaling distribution '\(distribution)' is not truncated_normal, untruncated_normal or uniform")
        }
    }

    /// `compute_fans`: a vector is its own fan in and out, a matrix (in, out), a convolution kernel
    /// (..., in, out) times its receptive field (the product of the leading axes: kh * kw for HWIO).
    public static func fans(_ shape: [Int]) -> (fanIn: Double, fanOut: Double) {
        switch shape.count {
        case 0: return (1, 1)
        case 1: return (Double(shape[0]), Double(shape[0]))
        case 2: return (Double(shape[0]), Double(shape[1]))
        default:
            let field = Double(shape.dropLast(2).reduce(1, *))
            return (Double(shape[shape.count - 2]) * field, Double(shape[shape.count - 1]) * field)
        }
    }

    /// Overwrites `tensor` with draws from this distribution.
    public func fill(_ tensor: Tensor, random: inout InitializerRandom) {
        let values = UnsafeMutableBufferPointer(start: tensor.pointer, count: tensor.count)
        for i in values.indices {
            switch self {
            case .constant(let value): values[i] = value
            case .uniform(let low, let high): values[i] = low + (high - low) * random.uniform()
            case .normal(let mean, let stddev): values[i] = mean + stddev * random.normal()
            case .truncatedNormal(let mean, let stddev):
                var z = random.normal()
                while abs(z) > 2 { z = random.normal() }
                values[i] = mean + stddev * z
            }
        }
    }
}

/// The stream Zoo's initialisers draw from: Tensor's `SplitMix64`. Uniforms take the top 24 bits (every float32
/// in [0, 1) on a 2^-24 grid); normals are Box-Muller pairs, computed in Double.
public struct InitializerRandom: Sendable {
    private var source: SplitMix64
    private var spare: Float?

    public init(seed: UInt64) { source = SplitMix64(seed: seed) }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Float { source.unitFloat() }

    /// Standard normal.
    public mutating func normal() -> Float {
        if let value = spare { spare = nil; return value }
        let u1 = source.unitDouble() + 0x1p-53, u2 = source.unitDouble()  // u1 in (0, 1]: log(u1) is finite
        let radius = (-2 * log(u1)).squareRoot()
        spare = Float(radius * sin(2 * .pi * u2))
        return Float(radius * cos(2 * .pi * u2))
    }
}

extension ParameterStore {
    /// Re-initialises every parameter of `graph`'s layers in place as Keras builds a fresh layer. Parameters are
    /// drawn in the store's order (graph order, Keras' weight order per layer), all from one `seed`-ed stream, so
    /// a seed reproduces the whole model.
    public func initialize(graph: ModelGraph, seed: UInt64) throws {
        var random = InitializerRandom(seed: seed)
        for parameter in parameters { try initialize(parameter.name, graph: graph, random: &random) }
    }

    /// Re-initialises one parameter (`<layer>/<weight>`) in place from its layer's `<weight>_initializer` attribute
    /// (`kernel_initializer`, `bias_initializer`, `gamma_initializer`, `moving_mean_initializer`, ...), e.g. a new
    /// head on a converted model. A weight without that attribute is an error: guessing Keras' default would hide
    /// a graph that lost its attributes.
    public func initialize(_ name: String, graph: ModelGraph, random: inout InitializerRandom) throws {
        guard let parameter = self[name] else { throw OptimizerError("no parameter '\(name)' to initialise") }
        guard let attribute = graph.layers.first(where: { $0.name == parameter.layer })?
            .attributes["\(parameter.weight.name)_initializer"] else {
            throw OptimizerError("'\(name)' has no \(parameter.weight.name)_initializer attribute")
        }
        try Initializer(attribute, shape: parameter.weight.shape).fill(parameter.value, random: &random)
    }
}

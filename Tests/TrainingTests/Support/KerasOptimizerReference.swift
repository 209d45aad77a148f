import Converter
import Foundation
import Tensor
import TestSupport
import Training
import Zoo

/// What `training/optimizer_reference.py` wrote: Keras 3's and tf-keras' optimizers stepped on three variables
/// with fixed gradients. Generated once per test run (one Python process: TensorFlow's start-up dominates).
final class KerasOptimizerReference: @unchecked Sendable {
    struct Listing: Decodable {
        struct Variable: Decodable { let name: String; let shape: [Int] }
        struct Config: Decodable {
            struct Arguments: Decodable { let momentum: Double?; let nesterov: Bool?; let centered: Bool? }
            let name: String
            let api: String
            let optimizer: String
            let arguments: Arguments
            let learning_rates: [Double]
        }
        let steps: Int
        let variables: [Variable]
        let configs: [Config]
    }

    static let shared = Result { try KerasOptimizerReference() }

    let listing: Listing
    let file: SafetensorsFile

    private init() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }  // the safetensors file stays mapped
        try TestEnvironment.generateReference("training/optimizer_reference.py", into: directory)
        listing = try JSONDecoder().decode(Listing.self, from: Data(contentsOf: directory.appendingPathComponent("optimizers.json")))
        file = try SafetensorsFile(path: directory.appendingPathComponent("optimizers.safetensors").path)
    }

    func config(_ name: String) throws -> Listing.Config {
        guard let config = listing.configs.first(where: { $0.name == name }) else {
            throw TestEnvironment.Missing(description: "optimizer_reference.py wrote no configuration '\(name)'")
        }
        return config
    }

    /// `initial/<var>`, `gradient/<step>/<var>` or `<config>/<step>/<var>`.
    func tensor(_ prefix: String, _ variable: Listing.Variable) throws -> Tensor {
        try file.tensor(named: "\(prefix)/\(variable.name)", shape: variable.shape)
    }

    func gradients(step: Int) throws -> [String: Tensor] {
        try Dictionary(uniqueKeysWithValues: listing.variables.map { ($0.name, try tensor("gradient/\(step)", $0)) })
    }

    /// The reference's variables as a model's parameters (a convolution's kernel and bias, a dense kernel), plus a
    /// frozen layer's kernel that no optimizer may touch.
    func store() throws -> ParameterStore {
        var initial = try Dictionary(uniqueKeysWithValues: listing.variables.map { ($0.name, try tensor("initial", $0)) })
        initial["frozen/kernel"] = try Tensor(shape: [2, 2], values: [1, 2, 3, 4])
        let layers = [
            Layer(name: "conv", op: .conv2d, weights: [WeightSpec(name: "kernel", shape: [3, 3, 2, 4]), WeightSpec(name: "bias", shape: [4])]),
            Layer(name: "dense", op: .dense, weights: [WeightSpec(name: "kernel", shape: [8, 5])]),
            Layer(name: "frozen", op: .dense, weights: [WeightSpec(name: "kernel", shape: [2, 2])], trainable: false),
        ]
        let graph = ModelGraph(name: "optimizer_reference", layers: layers, inputs: [], outputs: [])
        return try ParameterStore(graph: graph, weights: InMemoryWeights(initial))
    }

    /// The optimizer a configuration names, as Zoo builds it.
    static func optimizer(_ config: Listing.Config) throws -> any Optimizer {
        let rate = Float(config.learning_rates[0]), arguments = config.arguments
        switch config.optimizer {
        case "Adam": return Adam(learningRate: rate)
        case "SGD": return SGD(learningRate: rate, momentum: arguments.momentum ?? 0, nesterov: arguments.nesterov ?? false)
        case "RMSprop": return RMSprop(learningRate: rate, momentum: arguments.momentum ?? 0, centered: arguments.centered ?? false)
        default: throw TestEnvironment.Missing(description: "no Zoo optimizer for Keras' \(config.optimizer)")
        }
    }
}

/// Max |Δ| over all compared elements, the largest |reference| and how many elements were compared.
struct StepError {
    var maxDelta: Float = 0
    var maxReference: Float = 0
    var count = 0

    var normalised: Double { maxReference > 0 ? Double(maxDelta) / Double(maxReference) : Double(maxDelta) }

    mutating func add(_ actual: [Float], _ reference: Tensor) {
        let expected = reference.toArray()
        precondition(actual.count == expected.count)
        for (a, e) in zip(actual, expected) {
            maxDelta = max(maxDelta, abs(a - e))
            maxReference = max(maxReference, abs(e))
        }
        count += expected.count
    }
}

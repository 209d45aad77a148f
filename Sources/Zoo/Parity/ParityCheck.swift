import Converter
import Tensor

/// A model run on every golden input and compared with Keras layer by layer (docs/architecture.md,
/// "Parity policy"): a layer fails when its normalised error exceeds the tolerance; the first failing layer
/// is the first whose inputs all pass and whose output fails (where the bug is, not where it spread);
/// and the final prediction must agree (argmax per input) on every case, for class-vector outputs.
public struct ParityCheck: Sendable {
    public struct CaseResult: Sendable {
        public let name: String
        /// The first input's shape (the image's, in a model with several inputs).
        public let inputShape: [Int]
        /// In execution order; input layers are not compared.
        public let layers: [LayerParity]
        /// The first layer that fails while its inputs pass, if any.
        public let firstFailingLayer: String?
        /// One entry per model output and batch item: whether Zoo's argmax equals Keras'.
        public let argmaxAgreement: [ArgmaxAgreement]

        public var worst: LayerParity? { layers.max { !($0.normalisedError >= $1.normalisedError) } }
    }

    public struct ArgmaxAgreement: Sendable {
        public let output: String
        public let item: Int
        public let zoo: Int
        public let keras: Int
        public var agrees: Bool { zoo == keras }
    }

    public let tolerance: Double
    public let cases: [CaseResult]

    public var failingLayers: Int { cases.reduce(0) { $0 + $1.layers.count { !$0.passes(tolerance: tolerance) } } }
    public var argmaxDisagreements: Int { cases.reduce(0) { $0 + $1.argmaxAgreement.count { !$0.agrees } } }
    public var passed: Bool { failingLayers == 0 && argmaxDisagreements == 0 && !cases.isEmpty }

    /// The earliest first-failing layer over all cases (by depth), with its case.
    public var firstFailingLayer: (layer: String, case: String)? {
        cases.compactMap { result in
            result.firstFailingLayer.flatMap { name in result.layers.first { $0.layer == name }.map { ($0.depth, name, result.name) } }
        }.min { $0.0 < $1.0 }.map { ($0.1, $0.2) }
    }

    /// Runs `model` (which must be in the layer-by-layer mode) on each case of `golden` (all by default).
    /// `uncompared` names layers Keras has no output for: those an `EngineFault` added.
    public static func run(_ model: Model, against golden: GoldenActivations, tolerance: Double, cases: [String]? = nil,
                           uncompared: Set<String> = [], progress: (String) -> Void = { _ in }) throws -> ParityCheck {
        let selected = cases ?? golden.cases
        for name in selected where !golden.cases.contains(name) {
            throw ModelError("\(golden.file.path): no case '\(name)' (cases: \(golden.cases.joined(separator: ", ")))")
        }
        let order = try StepPlanner.topologicalOrder(model.graph)
        var results: [CaseResult] = []
        for name in selected {
            progress(name)
            let inputs = try golden.inputs(name, for: model.graph.inputs)
            let activations: [String: Tensor]
            do {
                activations = try model.activations(inputs)
            } catch {
                throw ModelError("\(golden.file.path), case '\(name)': \(error)")
            }
            var layers: [LayerParity] = []
            var passing = Set(model.graph.inputs)
            var firstFailing: String?
            var outputReferences: [String: Tensor] = [:]
            for (index, layer) in order.enumerated() where layer.op != .input {
                if uncompared.contains(layer.name) {
                    passing.insert(layer.name)
                    continue
                }
                let reference = try golden.output(of: layer.name, case: name)
                if model.graph.outputs.contains(layer.name) { outputReferences[layer.name] = reference }
                let parity = LayerParity(layer: layer.name, op: layer.op.rawValue, depth: index, actual: activations[layer.name]!,
                                         reference: reference)
                layers.append(parity)
                if parity.passes(tolerance: tolerance) {
                    passing.insert(layer.name)
                } else if firstFailing == nil, layer.inputs.allSatisfy(passing.contains) {
                    firstFailing = layer.name
                }
            }
            let agreement = model.graph.outputs.flatMap { output in
                guard let reference = outputReferences[output] else { return [ArgmaxAgreement]() }
                return argmaxAgreement(output: output, zoo: activations[output]!, keras: reference)
            }
            results.append(CaseResult(name: name, inputShape: inputs[0].shape, layers: layers, firstFailingLayer: firstFailing,
                                      argmaxAgreement: agreement))
        }
        return ParityCheck(tolerance: tolerance, cases: results)
    }

    /// Per batch item, the predicted class of a class-vector output `(N, classes)`. A feature-map output
    /// (a model without its top) predicts nothing: its position of the maximum can flip between near-equal
    /// activations, so it is judged by its per-layer error alone.
    private static func argmaxAgreement(output: String, zoo: Tensor, keras: Tensor) -> [ArgmaxAgreement] {
        guard zoo.rank == 2, zoo.shape == keras.shape, let batch = zoo.shape.first, batch > 0 else { return [] }
        let predicted = zoo.rowArgmax(), expected = keras.rowArgmax()
        return (0..<batch).map { ArgmaxAgreement(output: output, item: $0, zoo: predicted[$0], keras: expected[$0]) }
    }
}

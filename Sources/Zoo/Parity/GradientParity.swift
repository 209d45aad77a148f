import Converter
import Tensor

/// One gradient compared with TensorFlow's (`GradientTape`): a trainable weight's, or a model input's.
public struct GradientParity: Sendable {
    public let layer: String
    /// The weight (`kernel`, `gamma`, ...); nil for an input gradient, whose `layer` is the input layer.
    public let weight: String?
    public let shape: [Int]
    public let discrepancy: TensorDiscrepancy
    /// The reference is float32 noise (a bias or BatchNormalization parameter feeding a BatchNormalization that
    /// normalises with batch statistics, which makes the loss invariant to it), so the error is normalised by
    /// the case's largest weight gradient rather than by the noise's own size.
    public let noise: Bool

    /// `<layer>/<weight>`, or `<input> (input gradient)`.
    public var name: String { weight.map { "\(layer)/\($0)" } ?? "\(layer) (input gradient)" }
}

/// A model's backward pass compared with TensorFlow's, gradient by gradient (docs/architecture.md, "Gradient
/// parity"): one row per trainable weight and per input gradient, in backward order (the output layer first, as
/// the gradient flows; the input gradients last). A row fails when its normalised error exceeds the tolerance.
///
/// The first failing row, in that order, is where a wrong backward pass first shows. A fault in a layer's own
/// weight gradient shows at that layer's row; a fault in a layer's input gradient (or in a layer without weights,
/// a pooling, an activation) shows at the next trainable layer below it, the first whose output gradient it
/// feeds, or at the input gradient when nothing below trains. So the row names the layer where the error is
/// first seen, and `cameThrough` the trainable layers above it whose own gradients still pass: the wrong code
/// is in the backward pass from their input gradients down to the failing row's weight gradient.
public struct GradientParityCheck: Sendable {
    public let tolerance: Double
    public let rows: [GradientParity]
    /// The first failing row's nearest trainable consumers (the layers its output gradient came back through),
    /// whose rows all pass; empty when nothing fails or the failing layer is an output.
    public let cameThrough: [String]

    public var firstFailing: GradientParity? { rows.first { !$0.discrepancy.passes(tolerance: tolerance) } }
    public var failingRows: Int { rows.count { !$0.discrepancy.passes(tolerance: tolerance) } }
    public var passed: Bool { failingRows == 0 && !rows.isEmpty }

    /// Compares `gradients` of `graph`'s trainable parameters (those `parameters` marks trainable) and inputs with
    /// TensorFlow's: `reference` by parameter name (`<layer>/<weight>`), `inputReferences` one per graph input (nil
    /// where none was computed). `noise` names the parameters whose reference is float32 noise.
    public static func compare(graph: ModelGraph, parameters: ParameterStore, gradients: ModelGradients,
                               reference: [String: Tensor], inputReferences: [Tensor?], noise: Set<String>,
                               tolerance: Double) throws -> GradientParityCheck {
        let trainable = parameters.trainableParameters
        let largest = trainable.compactMap { reference[$0.name]?.toArray().map { Double(abs($0)) }.max() }.max() ?? 0
        var rows: [GradientParity] = []
        for layer in try StepPlanner.topologicalOrder(graph).reversed() {
            for parameter in trainable where parameter.layer == layer.name {
                guard let actual = gradients.parameters[parameter.name] else {
                    throw ModelError("the backward pass computed no gradient of trainable \(parameter.name)")
                }
                let isNoise = noise.contains(parameter.name)
                rows.append(GradientParity(
                    layer: layer.name, weight: parameter.weight.name, shape: actual.shape,
                    discrepancy: TensorDiscrepancy(actual: actual, reference: reference[parameter.name], source: "TensorFlow",
                                                   missing: "the golden file has no gradient of this weight",
                                                   scale: isNoise ? largest : nil),
                    noise: isNoise))
            }
        }
        for (index, input) in graph.inputs.enumerated() {
            guard index < gradients.inputs.count, let actual = gradients.inputs[index] else { continue }
            rows.append(GradientParity(
                layer: input, weight: nil, shape: actual.shape,
                discrepancy: TensorDiscrepancy(actual: actual, reference: index < inputReferences.count ? inputReferences[index] : nil,
                                               source: "TensorFlow", missing: "the golden file has no gradient of this input"),
                noise: false))
        }
        let first = rows.first { !$0.discrepancy.passes(tolerance: tolerance) }
        return GradientParityCheck(tolerance: tolerance, rows: rows,
                                   cameThrough: first.map { nearestConsumers(of: $0.layer, in: graph, among: Set(trainable.map(\.layer))) } ?? [])
    }

    /// The layers of `stops` that `layer`'s output reaches first, walking forward through any other layers.
    private static func nearestConsumers(of layer: String, in graph: ModelGraph, among stops: Set<String>) -> [String] {
        var found: [String] = [], visited: Set<String> = [], frontier = [layer]
        while let current = frontier.popLast() {
            for consumer in graph.layers where consumer.inputs.contains(current) && visited.insert(consumer.name).inserted {
                if stops.contains(consumer.name) { found.append(consumer.name) } else { frontier.append(consumer.name) }
            }
        }
        return found.sorted()
    }
}

import Converter
import Foundation

/// What a model graph says about training, for `zoo inspect`: Keras' trainable and non-trainable
/// parameter counts (`model.summary()`), which layers are frozen, and each layer's momentum,
/// regularisers, initialisers, constraints and dropout.
struct TrainingSummary {
    struct Row {
        let layer: Layer
        /// The training attributes the layer has, in the order `TrainingAttributes.keys(of:)` lists them.
        let attributes: [(key: String, value: AttributeValue)]
    }

    let parameters: Int
    let trainableParameters: Int
    let rows: [Row]

    init(graph: ModelGraph) {
        parameters = graph.parameterCount
        trainableParameters = graph.trainableParameterCount
        rows = graph.layers.map { layer in
            Row(layer: layer, attributes: TrainingAttributes.keys(of: layer.op).compactMap { key in
                layer.attributes[key].map { (key, $0) }
            })
        }
    }

    var nonTrainableParameters: Int { parameters - trainableParameters }

    /// Layers with weights, split by whether they train.
    var weightedLayers: (trainable: Int, frozen: Int) {
        let weighted = rows.filter { !$0.layer.weights.isEmpty }
        let trainable = weighted.count { $0.layer.trainable }
        return (trainable, weighted.count - trainable)
    }

    /// The headline and one row per layer that has weights or training attributes (dropout).
    func tableRows() -> (headline: String, rows: [[String]]) {
        let (trainable, frozen) = weightedLayers
        let headline = "training: \(trainableParameters.formatted()) trainable parameters, "
            + "\(nonTrainableParameters.formatted()) non-trainable; layers with weights: \(trainable) trainable, \(frozen) frozen"
        let shown = rows.filter { !$0.layer.weights.isEmpty || !$0.attributes.isEmpty }
        return (headline, [["layer", "op", "trains", "params", "trainable", "training attributes"]] + shown.map { row in
            [row.layer.name, row.layer.op.rawValue, row.layer.trainable ? "yes" : "frozen",
             row.layer.parameterCount.formatted(), row.layer.trainableParameterCount.formatted(),
             row.attributes.map { "\($0.key)=\($0.value)" }.joined(separator: " ")]
        })
    }

    func jsonObject() -> [String: Any] {
        let (trainable, frozen) = weightedLayers
        return [
            "trainable_parameters": trainableParameters,
            "non_trainable_parameters": nonTrainableParameters,
            "trainable_weighted_layers": trainable,
            "frozen_weighted_layers": frozen,
            "layers": rows.map { row -> [String: Any] in
                [
                    "name": row.layer.name, "op": row.layer.op.rawValue, "scope": row.layer.scope,
                    "trainable": row.layer.trainable, "parameters": row.layer.parameterCount,
                    "trainable_parameters": row.layer.trainableParameterCount,
                    "attributes": Self.json(Dictionary(uniqueKeysWithValues: row.attributes.map { ($0.key, $0.value) })),
                ]
            },
        ]
    }

    /// The attributes as the graph metadata writes them (`AttributeValue`'s own encoding), as JSON objects.
    private static func json(_ attributes: [String: AttributeValue]) -> Any {
        // Encoding numbers, strings and lists of them cannot fail.
        (try? JSONEncoder().encode(attributes)).flatMap { try? JSONSerialization.jsonObject(with: $0) } ?? [String: Any]()
    }
}

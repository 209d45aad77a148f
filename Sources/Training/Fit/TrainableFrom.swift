import Converter
import Zoo

extension ParameterStore {
    /// Fine-tuning from a layer up: every layer with weights from `layer` on, in the graph's order (Keras writes a
    /// functional model's layers in topological order), becomes trainable; every one before it is frozen. Moving
    /// statistics stay out of the optimizer's reach either way. Returns the names of the layers that now train.
    @discardableResult
    public func trainFrom(_ layer: String, in graph: ModelGraph) throws -> [String] {
        guard let start = graph.layers.firstIndex(where: { $0.name == layer }) else {
            throw ModelError("no layer '\(layer)' in the model (its layers: \(graph.layers.map(\.name).joined(separator: ", ")))")
        }
        var trained: [String] = []
        for (index, candidate) in graph.layers.enumerated() where !candidate.weights.isEmpty {
            try setTrainable(index >= start, layer: candidate.name)
            if index >= start { trained.append(candidate.name) }
        }
        return trained
    }
}

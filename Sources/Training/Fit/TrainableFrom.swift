import Converter
import Zoo

extension ParameterStore {
    /// Fine-tuning from a layer up: every layer with weights from `layer` on, in the graph's order (Keras writes a
    /// functional model's layers in topological order), becomes trainable; every one before it is frozen. Moving
    /// statistics stay out of the optimizer's reach either way.
    public func trainFrom(_ layer: String, in graph: ModelGraph) throws {
        guard let start = graph.layers.firstIndex(where: { $0.name == layer }) else {
            throw ModelError("no layer '\(layer)' in the model (its layers: \(graph.layers.map(\.name).joined(separator: ", ")))")
        }
        setTrainableLayers(graph.layers[start...].map(\.name))
    }
}

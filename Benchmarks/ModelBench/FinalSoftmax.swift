import Converter

/// The graph with a softmax on its output replaced by the identity, so the model returns the values the
/// softmax would be applied to. The latency runner compares those with Keras': with random weights the
/// softmax saturates to one-hot vectors, which every framework matches exactly whatever came before.
enum FinalSoftmax {
    static func removed(from graph: ModelGraph) -> ModelGraph {
        var graph = graph
        for (index, layer) in graph.layers.enumerated() where graph.outputs.contains(layer.name)
            && layer.attributes["activation"]?.stringValue == "softmax" {
            graph.layers[index].attributes["activation"] = .string("linear")
        }
        return graph
    }
}

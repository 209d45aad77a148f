import Converter

/// Which layers Zoo can train through. Every op the executor runs has a backward pass in `TrainingModel`, but a
/// layer is more than its op: the graph keeps Keras' noise layers as `dropout` with a `kind`, which inference runs
/// as the identity and which training would have to draw and differentiate as Keras does. Zoo trains only plain
/// inverted dropout over the whole input; anything else is refused up front, naming the layer, rather than
/// trained with the wrong noise (or none).
public enum TrainingSupport {
    /// The first layer, in graph order, Zoo cannot train as Keras would, and why; nil when it can train them all.
    /// Anywhere in the graph counts: Keras applies a noise layer in training whether or not anything trains near it.
    public static func unsupportedLayer(in graph: ModelGraph) -> (layer: Layer, reason: String)? {
        for layer in graph.layers where layer.op == .dropout {
            let kind = layer.attributes["kind"]?.stringValue ?? "dropout"
            if kind != "dropout" {
                return (layer, "\(kind) has no training pass in Zoo (only Dropout's inverted mask does)")
            }
            if layer.attributes["noise_shape"] != nil {
                return (layer, "dropout with a noise_shape has no training pass in Zoo (the mask covers the whole input)")
            }
        }
        return nil
    }
}

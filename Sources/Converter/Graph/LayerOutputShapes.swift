extension ModelGraph {
    /// Each layer's output shape, batch axis left out (nil for a size known only at run time), as Keras'
    /// `model.summary()` shows it; by layer name. Computed from the layers' attributes alone, no weights needed.
    public func layerOutputShapes() throws -> [String: [Int?]] {
        var shapes: [String: [Int?]] = [:]
        // Keras' layer order is almost always topological, but a layer is computed on demand after its inputs.
        func shape(of name: String, consumer: String) throws -> [Int?] {
            if let known = shapes[name] { return known }
            guard let layer = layer(named: name) else { throw GraphBuilder.Failure.layer(consumer, "input '\(name)' is not in the graph") }
            let inputShapes = try layer.inputs.map { try shape(of: $0, consumer: layer.name) }
            let output = try ShapeInference.infer(layer.op, layer.attributes, inputShapes: inputShapes, layer: layer.name).output
            shapes[name] = output
            return output
        }
        for layer in layers { _ = try shape(of: layer.name, consumer: layer.name) }
        return shapes
    }

    /// `(None, 56, 56, 64)`: a shape with the batch axis, as Keras prints it.
    public static func kerasShapeText(_ shape: [Int?]) -> String {
        ShapeInference.describe([nil] + shape)
    }
}

/// Builds a `ModelGraph` layer by layer, the way a Keras functional model is written: each call
/// names a layer, says what it does and what it consumes, and gets back the layer's output.
/// The builder infers output shapes and so each layer's weight shapes, which is what lets the
/// same code serve Zoo's architecture definitions and the Keras config importer.
public struct GraphBuilder: Sendable {
    /// A symbolic layer output (a Keras `KerasTensor`): the producing layer and its shape without the
    /// batch axis (nil: unknown). Not the numeric `Tensor` of the Tensor module.
    public struct Node: Sendable {
        public let layer: String
        public let shape: [Int?]
    }

    public let name: String
    private(set) var layers: [Layer] = []
    private var shapes: [String: [Int?]] = [:]
    private var scope: [String] = []

    public init(name: String) { self.name = name }

    public enum Failure: Error, CustomStringConvertible, Sendable {
        case layer(String, String)
        public var description: String {
            switch self { case .layer(let name, let problem): "layer '\(name)': \(problem)" }
        }
    }

    // MARK: Adding layers

    public mutating func input(_ name: String, shape: [Int?]) throws -> Node {
        try add(name, .input, ["shape": .ints(shape.map { $0 ?? -1 })], inputs: [])
    }

    /// Adds a layer; `attributes` follow the keys documented on `ShapeInference` and `Op`.
    /// `trainable` is Keras' flag of the layer itself (a model's is applied with `ModelGraph.freeze`).
    @discardableResult
    public mutating func add(_ name: String, _ op: Op, _ attributes: [String: AttributeValue] = [:],
                             inputs: [Node], trainable: Bool = true) throws -> Node {
        guard shapes[name] == nil else { throw Failure.layer(name, "a layer of that name already exists") }
        let inputShapes = inputs.map(\.shape)
        let (output, weights) = try ShapeInference.infer(op, attributes, inputShapes: inputShapes, layer: name)
        layers.append(Layer(name: name, op: op, attributes: attributes, inputs: inputs.map(\.layer),
                            weights: weights, scope: scope, trainable: trainable))
        shapes[name] = output
        return Node(layer: name, shape: output)
    }

    /// Nests a model as one layer: its input layer is replaced by `input`, its layers join this
    /// graph under its name in `scope` (keeping their trainability), and its output becomes the returned tensor.
    public mutating func nest(_ model: ModelGraph, as modelName: String, input: Node) throws -> Node {
        try join(model, scope: [modelName], input: input)
    }

    /// Joins a model's layers to this graph as if they had been written here (Keras'
    /// `Model(base.input, head(base.output))`): same as `nest`, but without a scope.
    public mutating func inline(_ model: ModelGraph, input: Node) throws -> Node {
        try join(model, scope: [], input: input)
    }

    private mutating func join(_ model: ModelGraph, scope inner: [String], input: Node) throws -> Node {
        let modelName = inner.last ?? model.name
        guard model.inputs.count == 1, model.outputs.count == 1 else {
            throw Failure.layer(modelName, "nested models with several inputs or outputs are not supported")
        }
        var renamed = [model.inputs[0]: input.layer]
        for var layer in model.layers where layer.op != .input {
            let original = layer.name
            // Keras allows an inner layer to share a name with an outer one; keep names unique.
            if shapes[layer.name] != nil { layer.name = "\(modelName)/\(layer.name)" }
            renamed[original] = layer.name
            layer.inputs = layer.inputs.map { renamed[$0] ?? $0 }
            let inputShapes = try layer.inputs.map { try shape(of: $0, for: layer.name) }
            let (output, weights) = try ShapeInference.infer(layer.op, layer.attributes, inputShapes: inputShapes,
                                                             layer: layer.name)
            layer.weights = weights
            layer.scope = scope + inner + layer.scope
            layers.append(layer)
            shapes[layer.name] = output
        }
        let outputLayer = renamed[model.outputs[0]] ?? model.outputs[0]
        return Node(layer: outputLayer, shape: try shape(of: outputLayer, for: modelName))
    }

    private func shape(of layer: String, for consumer: String) throws -> [Int?] {
        guard let shape = shapes[layer] else { throw Failure.layer(consumer, "input '\(layer)' is not defined before it") }
        return shape
    }

    // MARK: Finishing

    /// The graph with layers in the order they were added (a Keras config's own order).
    public func build(outputs: [Node]) -> ModelGraph {
        ModelGraph(name: name, layers: layers, inputs: layers.filter { $0.op == .input }.map(\.name),
                   outputs: outputs.map(\.layer))
    }

    /// The graph with layers in Keras `model.layers` order, which legacy checkpoints are loaded
    /// in: see `KerasLayerOrder`.
    public func buildInKerasOrder(outputs: [Node]) -> ModelGraph {
        var graph = build(outputs: outputs)
        graph.layers = KerasLayerOrder.sorted(graph.layers, outputs: graph.outputs)
        return graph
    }
}

import Converter
import Tensor

/// A model's weights as training holds them: a float32 tensor of its own for every `<layer>/<weight>` the graph
/// lists (Keras layouts), which an optimizer updates in place, and which of them it may update.
///
/// The store is a `WeightSource`, so the executor builds its kernels from it exactly as from a converted file,
/// and rebuilds them from it after an optimizer step (`Model.reloadWeights(from:)`): one path from weights to
/// kernels, whatever the weights' origin.
public final class ParameterStore: WeightSource {
    public struct Parameter {
        /// `<layer>/<weight>`, as in a converted file.
        public let name: String
        public let layer: String
        public let weight: WeightSpec
        /// The store's own memory: an optimizer writes here.
        public let value: Tensor
        /// Whether an optimizer may change it.
        public fileprivate(set) var trainable: Bool
    }

    public let origin: String
    /// In the graph's layer order, each layer's weights in Keras order.
    public private(set) var parameters: [Parameter]
    private let positions: [String: Int]

    /// Copies every weight `graph` lists from `source`. Trainable are the weights Keras trains
    /// (`Layer.trainableWeights`): those of the layers the graph marks trainable, less BatchNormalization's moving
    /// mean and variance, which the layer updates itself by averaging, not an optimizer by gradient.
    public init(graph: ModelGraph, weights source: some WeightSource) throws {
        origin = "parameters from \(source.origin)"
        parameters = try graph.layers.flatMap { layer in
            try layer.weights.map { spec in
                let name = layer.tensorName(of: spec)
                // Read through `withValues`: a file hands over its mapping, so each weight is copied once.
                let value = try Tensor(shape: spec.shape)
                try source.withValues(named: name, shape: spec.shape) { values in
                    _ = UnsafeMutableBufferPointer(start: value.pointer, count: value.count).update(fromContentsOf: values)
                }
                return Parameter(name: name, layer: layer.name, weight: spec, value: value,
                                 trainable: layer.trainable && !spec.isNonTrainable)
            }
        }
        positions = Dictionary(uniqueKeysWithValues: parameters.enumerated().map { ($1.name, $0) })
    }

    public subscript(name: String) -> Parameter? { positions[name].map { parameters[$0] } }

    public var trainableParameters: [Parameter] { parameters.filter(\.trainable) }

    /// Keras' "Trainable params": the elements an optimizer may change.
    public var trainableCount: Int { trainableParameters.reduce(0) { $0 + $1.value.count } }

    /// Keras' `layer.trainable = flag` after loading: every weight of `layer`, its non-trainable ones excepted.
    public func setTrainable(_ trainable: Bool, layer: String) throws {
        let indices = parameters.indices.filter { parameters[$0].layer == layer }
        guard !indices.isEmpty else { throw ModelError("\(origin): no layer '\(layer)' with weights") }
        for index in indices where !parameters[index].weight.isNonTrainable {
            parameters[index].trainable = trainable
        }
    }

    /// Keras' `layer.trainable` set on every layer with weights: true for the layers named in `layers`, false for
    /// the rest (non-trainable weights excepted, as in `setTrainable`). A name without weights here changes nothing.
    public func setTrainableLayers(_ layers: some Sequence<String>) {
        let training = Set(layers)
        for index in parameters.indices where !parameters[index].weight.isNonTrainable {
            parameters[index].trainable = training.contains(parameters[index].layer)
        }
    }

    /// The layers of `graph` whose weights training changes: those with a trainable parameter, and a layer whose
    /// only weights are moving statistics (a BatchNormalization without center and scale) when the graph marks
    /// it trainable, as Keras' `layer.trainable` decides whether its statistics move.
    public func layersThatTrain(in graph: ModelGraph) -> Set<String> {
        Set(trainableParameters.map(\.layer)).union(graph.layers.filter { layer in
            layer.trainable && !layer.weights.isEmpty && layer.weights.allSatisfy(\.isMovingStatistic)
        }.map(\.name))
    }

    // MARK: WeightSource

    /// A copy: kernels may keep what they are given, and must not see a later optimizer step until they are rebuilt.
    public func tensor(named name: String, shape: [Int]) throws -> Tensor {
        try stored(name, shape: shape).copied()
    }

    public func withValues<Result>(named name: String, shape: [Int], _ body: (UnsafeBufferPointer<Float>) throws -> Result) throws -> Result {
        try stored(name, shape: shape).withValues(body)
    }

    public func packedMatrix(named name: String, shape: [Int]) throws -> PackedMatrix {
        try PackedMatrix(stored(name, shape: shape))
    }

    private func stored(_ name: String, shape: [Int]) throws -> Tensor {
        guard let parameter = self[name] else { throw ModelError("\(origin): no tensor '\(name)'") }
        guard parameter.value.shape == shape else {
            throw ModelError("\(origin): tensor '\(name)' is \(parameter.value.shape), the graph expects \(shape)")
        }
        return parameter.value
    }
}

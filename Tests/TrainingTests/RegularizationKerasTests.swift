import Converter
import Tensor
import Testing
import Training
import Zoo

/// Zoo's regularisers against Keras 3's L2(0.001) and L1L2(0.01, 0.001), read from a graph's attributes as the
/// converter stores them.
@Suite struct RegularizationKerasTests {
    @Test(arguments: ["l2", "l1l2"])
    func matchesKeras(name: String) throws {
        let reference = try KerasLossReference.shared.get()
        let shape = [3, 3, 2, 4]
        let kernel = try reference.tensor("kernel", shape: shape)
        let attribute = name == "l2" ? TrainingAttributes.l2(0.001)
            : TrainingAttributes.kerasObject("L1L2", ["l1": .double(0.01), "l2": .double(0.001)])
        let layer = Layer(name: "conv", op: .conv2d, attributes: ["kernel_regularizer": attribute],
                          weights: [WeightSpec(name: "kernel", shape: shape), WeightSpec(name: "bias", shape: [4])])
        let graph = ModelGraph(name: "regularized", layers: [layer], inputs: [], outputs: [])
        let store = try ParameterStore(graph: graph, weights: InMemoryWeights(["conv/kernel": kernel, "conv/bias": try Tensor(shape: [4])]))
        let regularization = try Regularization(graph: graph)
        #expect(regularization.regularizers.keys.sorted() == ["conv/kernel"])
        let expected = try #require(reference.listing.regularizers[name]).penalty
        let penalty = regularization.penalty(store)
        #expect(abs(Double(penalty) - expected) <= 1e-6 * expected, "\(name): \(penalty), Keras \(expected)")
        let gradients = ["conv/kernel": try Tensor(shape: shape), "conv/bias": try Tensor(shape: [4])]
        #expect(try regularization.addGradients(store, to: gradients) == penalty, "the step's penalty is penalty(store), to the bit")
        let error = relativeError(try #require(gradients["conv/kernel"]).toArray(), try reference.tensor("\(name)/gradient", shape: shape).toArray())
        #expect(error <= 1e-7, "\(name): gradient error \(error)")
        #expect(try #require(gradients["conv/bias"]).toArray() == [0, 0, 0, 0], "an unregularised weight's gradient is untouched")
        try store.setTrainable(false, layer: "conv")
        #expect(regularization.penalty(store) == 0, "Keras regularises trainable weights only")
    }

    @Test func refusesUnknownRegularizer() {
        #expect(throws: OptimizerError.self) { try Regularizer(TrainingAttributes.kerasObject("OrthogonalRegularizer")) }
    }
}

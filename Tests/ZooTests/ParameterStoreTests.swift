import Converter
import Foundation
import Tensor
import Testing
import TestSupport
import Zoo

/// The parameter store training will update: its trainable mask is Keras' `trainable_weights`, and kernels
/// rebuilt from it after the weights change compute what Keras computes for the weights it holds.
@Suite(.serialized) struct ParameterStoreTests {
    /// tiny_nested freezes a layer inside a nested model: the store must leave exactly Keras' trainable
    /// weights trainable (as `keras_training.py` reads them from the same file with Keras 3).
    @Test func trainableMaskIsKerasTrainableWeights() throws {
        let scratch = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let set = try ReferenceSet.committed()
        let file = try SafetensorsFile(path: Verifying.convertKeras3("tiny_nested", of: set, into: scratch))
        let store = try ParameterStore(graph: Model.graph(in: file), weights: file)

        let checkpoint = try #require(set.keras3("tiny_nested"))
        let result = try TestEnvironment.runPython("keras_training.py", ["--keras", "3", checkpoint])
        try #require(result.status == 0, "keras_training.py: \(result.stderr.suffix(1000))")
        struct KerasCounts: Decodable { let params: Int; let trainable_params: Int }
        let keras = try JSONDecoder().decode(KerasCounts.self, from: Data(result.stdout.utf8))
        #expect(store.parameters.reduce(0) { $0 + $1.value.count } == keras.params)
        #expect(store.trainableCount == keras.trainable_params)
        #expect(store.trainableCount < keras.params, "tiny_nested has a frozen layer; the mask must show it")
    }

    /// Keras' `layer.trainable = flag` after loading: a BatchNormalization's gamma and beta follow the flag,
    /// its moving statistics never become trainable.
    @Test func settingTrainableLeavesMovingStatisticsAlone() throws {
        let scratch = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = try SafetensorsFile(path: Verifying.convertKeras3("tiny_bn", of: ReferenceSet.committed(), into: scratch))
        let graph = try Model.graph(in: file)
        let store = try ParameterStore(graph: graph, weights: file)
        let norm = try #require(graph.layers.first { $0.op == .batchNorm && $0.weights.contains { $0.name == "gamma" } })
        for layer in graph.layers where !layer.weights.isEmpty { try store.setTrainable(false, layer: layer.name) }
        #expect(store.trainableCount == 0)
        try store.setTrainable(true, layer: norm.name)
        #expect(Set(store.trainableParameters.map(\.weight.name)) == Set(norm.weights.filter { !$0.isMovingStatistic }.map(\.name)))
        #expect(throws: (any Error).self) { try store.setTrainable(true, layer: "no_such_layer") }
    }

    /// Kernels built from the store match Keras; after a weight changes in the store and the kernels are rebuilt
    /// (`reloadWeights`), the output changes; after the change is undone (exactly: a factor of 2), it matches Keras
    /// again, bit for bit what it was, in both modes (the fused one reusing its planned arena).
    @Test(arguments: [Model.Mode.layerByLayer, .fused])
    func rebuiltKernelsFollowTheStore(mode: Model.Mode) throws {
        let scratch = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = try SafetensorsFile(path: Verifying.convertKeras3("tiny_nested", of: ReferenceSet.committed(), into: scratch))
        let graph = try Model.graph(in: file)
        let store = try ParameterStore(graph: graph, weights: file)
        let golden = try GoldenActivations(path: TestEnvironment.activations(of: "tiny_nested"))
        let input = try golden.input("normal")
        let reference = try #require(try golden.output(of: graph.outputs[0], case: "normal"))
        let model = try Model(graph: graph, weights: store, mode: mode)
        func error(_ output: Tensor) -> Double {
            LayerParity(layer: graph.outputs[0], op: "", depth: 0, actual: output, reference: reference).normalisedError
        }

        let before = try model.predict([input])[0]
        #expect(before.shape == reference.shape)
        #expect(error(before) < ParityTolerance.float32)

        let kernel = try #require(store.trainableParameters.first { $0.weight.name == "kernel" && $0.value.rank == 4 })
        func scale(_ factor: Float) throws {
            for index in 0..<kernel.value.count { kernel.value.pointer[index] *= factor }
            try model.reloadWeights(from: store)
        }
        try scale(2)
        #expect(error(try model.predict([input])[0]) > 1e-2, "\(kernel.name) doubled, the output must move")
        try scale(0.5)
        let after = try model.predict([input])[0]
        #expect(error(after) < ParityTolerance.float32)
        #expect(after.toArray() == before.toArray())
    }
}

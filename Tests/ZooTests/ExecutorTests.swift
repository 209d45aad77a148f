import Converter
import Foundation
import Tensor
import Testing
import TestSupport
import Zoo

/// The executor through its Swift API: the fused mode against the layer-by-layer one, the file's graph
/// against the registry's, any batch size, repeated calls, and refusals.
@Suite(.serialized) struct ExecutorTests {
    static let tinyModels = ["tiny_convs", "tiny_bn", "tiny_pools", "tiny_merges", "tiny_activations", "tiny_sequential", "tiny_nested", "tiny_vgg"]

    /// Fusing (BN folded, residual and activation in the epilogue, arena memory) changes rounding only.
    /// Compared on the logits: with random weights the full-size models' softmax saturates to exact 0 and 1,
    /// which would hide any difference short of a changed class.
    @Test(arguments: tinyModels + ["resnet50", "tb_attention_vgg16", "densenet121"])
    func fusedOutputsEqualLayerByLayer(model: String) throws {
        let scratch = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = try SafetensorsFile(path: convert(model, into: scratch))
        let golden = try GoldenActivations(path: TestEnvironment.activations(of: model))
        let graph = try logits(of: Model.graph(in: file))
        if !model.hasPrefix("tiny_") { #expect(graph != (try Model.graph(in: file)), "\(model): the softmax head is made linear") }
        let reference = try Model(graph: graph, weights: file, mode: .layerByLayer)
        let fused = try Model(graph: graph, weights: file, mode: .fused)
        for name in golden.cases {
            let input = try golden.input(name)
            let expected = try reference.run([input])
            // Twice: the first call plans the arena, the second runs in it.
            for _ in 0..<2 {
                let actual = try fused.run([input])
                try #require(actual.count == expected.count && actual.count == graph.outputs.count, "\(model) \(name): output count")
                for (a, e) in zip(actual, expected) {
                    try #require(a.shape == e.shape, "\(model) \(name): fused \(a.shape), layer by layer \(e.shape)")
                    #expect(LayerParity(layer: name, op: "", depth: 0, actual: a, reference: e).normalisedError < 1e-5, "\(model) \(name)")
                }
            }
        }
        #expect(fused.arenaBytes > 0)
    }

    /// `graph` with the softmax of its output layers removed (a Dense or convolution softmax becomes linear).
    private func logits(of graph: ModelGraph) throws -> ModelGraph {
        var graph = graph
        for output in graph.outputs {
            let index = try #require(graph.layers.firstIndex { $0.name == output }, "no layer produces output '\(output)'")
            if graph.layers[index].attributes["activation"] == .string("softmax") {
                graph.layers[index].attributes["activation"] = .string("linear")
            }
        }
        return graph
    }

    /// ResNet50's 53 convolutions absorb all 53 BatchNormalizations, the 16 residual adds and their ReLUs, and the
    /// stem's convolution and max pool their zero padding.
    @Test func fusedResNet50RunsOneStepPerConvolution() throws {
        let scratch = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = try SafetensorsFile(path: convert("resnet50", into: scratch))
        let steps = try Model(file: file, mode: .fused).steps
        #expect(steps.count { $0.hasPrefix("conv2d") } == 52 && steps.contains("zero_pad2d+conv2d+batch_norm+activation"))
        #expect(steps.count { $0 == "conv2d+batch_norm+add+activation" } == 16)
        #expect(!steps.contains("batch_norm") && !steps.contains("add") && !steps.contains("activation"))
        #expect(steps.contains("zero_pad2d+max_pool2d") && !steps.contains("max_pool2d") && !steps.contains("zero_pad2d"))
        #expect(try Model(file: file, mode: .layerByLayer).steps.count == Model.graph(in: file).layers.count)
    }

    /// DenseNet121's 62 pre-activations (`BatchNormalization -> ReLU`): the 58 before a bottleneck's and the 3 before a
    /// transition's 1x1 convolution fold into it, the head's runs as one step of its own; each transition's average pool
    /// joins its convolution too (and runs first).
    @Test func fusedDenseNetJoinsEachPreActivation() throws {
        let scratch = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let steps = try Model(file: SafetensorsFile(path: convert("densenet121", into: scratch)), mode: .fused).steps
        #expect(steps.count { $0 == "batch_norm+activation+conv2d+batch_norm+activation" } == 58)
        #expect(steps.count { $0 == "batch_norm+activation+conv2d+avg_pool2d" } == 3, "each transition pools first")
        #expect(steps.count { $0 == "batch_norm+activation" } == 1)
        #expect(!steps.contains("batch_norm") && !steps.contains("activation"))
    }

    /// The registry's definition and the file's own graph run through the same executor: identical activations
    /// at every layer (the output alone is a saturated softmax with random weights, and would show little).
    @Test(arguments: [("resnet50", "resnet50"), ("vgg16_notop", "vgg16-notop"), ("tb_attention_vgg16", "tb-attention-vgg16"),
                      ("melanoma_resnet50", "melanoma-resnet50"), ("densenet121", "densenet121")])
    func namedArchitectureEqualsFileGraph(model: String, architecture: String) throws {
        let scratch = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = try SafetensorsFile(path: convert(model, into: scratch))
        let input = try GoldenActivations(path: TestEnvironment.activations(of: model)).input("image")
        let fromFile = try Model(file: file, mode: .layerByLayer).activations([input])
        let named = try Model(architecture: architecture, file: file, mode: .layerByLayer).activations([input])
        #expect(Set(fromFile.keys) == Set(named.keys))
        #expect(fromFile.count == (try Model.graph(in: file).layers.count), "one activation per layer")
        for (layer, activation) in fromFile {
            guard let other = named[layer] else { continue }
            #expect(activation.shape == other.shape && activation.toArray() == other.toArray(), "\(model) \(layer)")
        }
    }

    /// Batch N gives each item what batch 1 gives it, and a new batch size replans the arena.
    @Test func anyBatchSize() throws {
        let scratch = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let model = try Model(file: SafetensorsFile(path: convert("tiny_vgg", into: scratch)))
        let golden = try GoldenActivations(path: TestEnvironment.activations(of: "tiny_vgg"))
        let items = try golden.cases.flatMap { name -> [[Float]] in
            let input = try golden.input(name)
            let length = input.count / input.shape[0]
            return (0..<input.shape[0]).map { Array(input.toArray()[$0 * length..<($0 + 1) * length]) }
        }
        let imageShape = Array(try golden.input("normal").shape.dropFirst())
        let singles = try items.map { try model.predict([Tensor(shape: [1] + imageShape, values: $0)])[0].toArray() }
        for batch in [items.count, 2, 1] {
            let input = try Tensor(shape: [batch] + imageShape, values: Array(items.prefix(batch).joined()))
            let output = try model.predict([input])[0]
            let length = output.count / batch
            for item in 0..<batch {
                let values = Array(output.toArray()[item * length..<(item + 1) * length])
                try #require(values.count == singles[item].count, "batch \(batch), item \(item): \(values.count) values, batch 1 \(singles[item].count)")
                #expect(zip(values, singles[item]).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) }, "batch \(batch), item \(item)")
            }
        }
    }

    @Test func refusesWhatItCannotRun() throws {
        let scratch = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let path = try convert("tiny_convs", into: scratch)
        let file = try SafetensorsFile(path: path)
        let model = try Model(file: file)
        expectError(containing: "input 'input_1' must be (N, 15, 15, 3), got [1, 15, 15, 4]") {
            _ = try model.run([Tensor(shape: [1, 15, 15, 4])])
        }
        expectError(containing: "the model takes 1 input(s) (input_1), got 2") {
            _ = try model.run([Tensor(shape: [1, 15, 15, 3]), Tensor(shape: [1, 15, 15, 3])])
        }
        expectError(containing: "unknown architecture 'vgg17'") { _ = try Model(architecture: "vgg17", file: file) }
        expectError(containing: "no tensor 'block1_conv1/kernel'") { _ = try Model(architecture: "vgg16", file: file) }
        let expected = try SafetensorsFile(path: TestEnvironment.fixtures.appendingPathComponent("tiny_convs/expected.safetensors").path)
        expectError(containing: "no 'graph' in the metadata") { _ = try Model(file: expected) }

        var graph = try Model.graph(in: file)
        graph.layers[1].inputs = ["nowhere"]
        expectError(containing: "reads 'nowhere', which no layer produces") { _ = try Model(graph: graph, weights: file) }
        graph = try Model.graph(in: file)
        graph.layers[1].attributes["activation"] = .string("mish")
        expectError(containing: "layer '\(graph.layers[1].name)' (conv2d): activation: invalid argument: unsupported activation 'mish'") {
            _ = try Model(graph: graph, weights: file)
        }
        let layerByLayer = try Model(file: file, mode: .layerByLayer)
        _ = try layerByLayer.activations([Tensor(shape: [1, 15, 15, 3])])
        expectError(containing: "layer-by-layer mode") { _ = try model.activations([Tensor(shape: [1, 15, 15, 3])]) }
    }

    /// Weights from memory run the same as weights from the file.
    @Test func inMemoryWeightsRunTheSame() throws {
        let scratch = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = try SafetensorsFile(path: convert("tiny_merges", into: scratch))
        var tensors: [String: Tensor] = [:]
        for info in file.tensors { tensors[info.name] = try Tensor(shape: info.shape, values: file.floats(of: info)) }
        let input = try GoldenActivations(path: TestEnvironment.activations(of: "tiny_merges")).input("normal")
        let fromFile = try Model(file: file).predict([input])
        let fromMemory = try Model(graph: Model.graph(in: file), weights: InMemoryWeights(tensors)).predict([input])
        #expect(fromFile.map { $0.toArray() } == fromMemory.map { $0.toArray() })
    }

    private func convert(_ model: String, into directory: URL) throws -> String {
        let set = model.hasPrefix("tiny_") ? try ReferenceSet.committed() : try ReferenceSet.generated()
        return try Verifying.convertKeras3(model, of: set, into: directory)
    }

    private func expectError(containing text: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected an error containing \"\(text)\"", sourceLocation: sourceLocation)
        } catch {
            #expect("\(error)".contains(text), "\(error)", sourceLocation: sourceLocation)
        }
    }
}

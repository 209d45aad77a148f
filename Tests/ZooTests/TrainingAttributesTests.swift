import Converter
import Foundation
import Testing
import TestSupport
import Zoo

/// The registry's architectures carry the training attributes Keras writes for the same models, and
/// graphs without them (converted before they were kept) still run as before.
@Suite struct RegistryTrainingAttributesTests {
    /// Each registry architecture against the graph imported from Keras' own files of that model, in
    /// both schemas: same layers, same trainability, same momentum, initialisers, regularisers and dropout.
    /// The full-size model is kept as a Keras 3 archive; its narrow twin (the same graph at 1/8 of the
    /// widths) carries the tf-keras and Keras 3 `.h5` files, whose training attributes do not depend on widths.
    @Test(arguments: Verifying.fullSizeModels)
    func registryAgreesWithKeras(model: String) throws {
        let set = try ReferenceSet.generated()
        let fullSize = set.entries.filter { $0.model == model && !$0.weights_only }
        let narrow = set.entries.filter { $0.model == "narrow_\(model)" && !$0.weights_only }
        #expect(fullSize.map(\.format) == ["k3_keras"])
        #expect(Set(narrow.map(\.format)) == ["tfk_full", "k3_full", "k3_keras"])
        let architecture = try #require(fullSize.first?.arch, "\(model) has no registry architecture in the manifest")
        let registry = try #require(Registry.entry(named: architecture)).graph()
        for entry in fullSize + narrow {
            let path = set.path(entry.path)
            let config = try #require(try KerasCheckpoint(path: path).modelConfig, "\(path) has no model config")
            let imported = try KerasConfigImporter(file: path).importGraph(json: config)
            let place = "\(architecture) against \(entry.model) \(entry.format)"
            #expect(registry.layers.map(\.name) == imported.layers.map(\.name), "\(place): layers")
            if entry.model == model {
                #expect(registry.trainableParameterCount == imported.trainableParameterCount, "\(place): trainable parameters")
            }
            for layer in registry.layers {
                guard let keras = imported.layer(named: layer.name) else { continue }
                #expect(layer.trainable == keras.trainable, "\(place) '\(layer.name)': trainable")
                for key in TrainingAttributes.keys(of: layer.op) where layer.attributes[key] != keras.attributes[key] {
                    let ours = layer.attributes[key].map(String.init(describing:)) ?? "absent"
                    let theirs = keras.attributes[key].map(String.init(describing:)) ?? "nothing"
                    Issue.record("\(place) '\(layer.name)': \(key) is \(ours), Keras wrote \(theirs)")
                }
            }
        }
    }

    /// A file converted before training attributes were kept: its graph, stripped of every new key,
    /// still loads and gives bit-identical outputs (tiny_nested: nested models, a frozen layer, BN, dropout).
    @Test func graphWithoutTrainingAttributesRunsIdentically() throws {
        let scratch = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let set = try ReferenceSet.committed()
        let output = scratch.appendingPathComponent("tiny_nested.safetensors").path
        _ = try Conversion.run(Conversion.Request(input: try #require(set.keras3("tiny_nested")), output: output))
        let file = try SafetensorsFile(path: output)
        let current = try Model.graph(in: file)
        #expect(current.layers.contains { !$0.trainable })

        let written = try #require(file.metadata["graph"])
        var json = try #require(try JSONSerialization.jsonObject(with: Data(written.utf8)) as? [String: Any])
        json["layers"] = try #require(json["layers"] as? [[String: Any]]).map { layer -> [String: Any] in
            var layer = layer
            layer["trainable"] = nil
            let op = Op(rawValue: layer["op"] as? String ?? "")
            var attributes = layer["attributes"] as? [String: Any] ?? [:]
            for key in op.map(TrainingAttributes.keys(of:)) ?? [] where key != "rate" { attributes[key] = nil }
            layer["attributes"] = attributes
            return layer
        }
        let old = try JSONDecoder().decode(ModelGraph.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(old.layers.allSatisfy { $0.trainable })
        #expect(old.layers.allSatisfy { $0.attributes["momentum"] == nil && $0.attributes["kernel_initializer"] == nil })

        let golden = try GoldenActivations(path: TestEnvironment.activations(of: "tiny_nested"))
        let fromOld = try Model(graph: old, weights: file), fromCurrent = try Model(file: file)
        for name in golden.cases {
            let input = try golden.input(name)
            let (a, b) = (try fromOld.predict([input]), try fromCurrent.predict([input]))
            #expect(a.count == b.count && a.count == 1)
            #expect(a.map { $0.toArray() } == b.map { $0.toArray() }, "case \(name)")
        }
    }
}

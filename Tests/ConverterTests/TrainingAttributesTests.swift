import Converter
import Foundation
import Testing
import TestSupport

/// The graph keeps what training needs, as Keras itself reads it back from each saved model: per-layer
/// effective trainability (so the trainable parameter count), momentum, initialisers, regularisers,
/// constraints and dropout, in both config schemas, nested models included.
@Suite struct TrainingAttributesTests {
    static let tinyModels = ["tiny_convs", "tiny_bn", "tiny_pools", "tiny_merges", "tiny_activations", "tiny_sequential",
                             "tiny_nested", "tiny_vgg"]
    static let notebookModels = ["tb_vgg16", "tb_vgg19", "tb_attention_vgg16", "melanoma_resnet50"]

    /// Every full-model file of the committed tiny models (tf-keras .h5, Keras 3 .h5 and .keras).
    @Test func tinyModelsAgreeWithKeras() throws {
        try compareWithKeras(models: Self.tinyModels, in: ReferenceSet.committed())
    }

    /// The notebook models (frozen bases, a frozen layer, an L2 regulariser): at full size from their Keras 3
    /// archives, and in both schemas from their narrow twins (the same graphs at 1/8 of the widths).
    @Test func notebookModelsAgreeWithKeras() throws {
        let set = try ReferenceSet.generated()
        try compareWithKeras(models: Self.notebookModels.map { "narrow_\($0)" }, in: set)
        let counts = try compareWithKeras(models: Self.notebookModels, in: set, formats: ["k3_keras"])
        // Keras' own summaries of the notebook models, for the reader: the generated files must say the same.
        #expect(counts == ["tb_vgg16": 132_866, "tb_vgg19": 132_866, "tb_attention_vgg16": 102_403, "melanoma_resnet50": 135_362])
    }

    /// Graphs converted before training attributes were kept have none of their keys: they still decode,
    /// with every layer trainable (Keras' default) and the inference attributes as they were.
    @Test func oldFormatGraphDecodes() throws {
        let json = #"""
        {"inputs":["input_1"],"layers":[
          {"attributes":{"shape":[4]},"inputs":[],"name":"input_1","op":"input","scope":[],"weights":[]},
          {"attributes":{"activation":"relu","units":3,"use_bias":true},"inputs":["input_1"],"name":"dense","op":"dense",
           "scope":[],"weights":[{"name":"kernel","shape":[4,3]},{"name":"bias","shape":[3]}]},
          {"attributes":{"axis":-1,"center":true,"epsilon":0.001,"scale":true},"inputs":["dense"],"name":"bn","op":"batch_norm",
           "scope":[],"weights":[{"name":"gamma","shape":[3]},{"name":"beta","shape":[3]},{"name":"moving_mean","shape":[3]},
           {"name":"moving_variance","shape":[3]}]},
          {"attributes":{"rate":0.5},"inputs":["bn"],"name":"dropout","op":"dropout","scope":[],"weights":[]}],
         "name":"old","outputs":["dropout"]}
        """#
        let graph = try JSONDecoder().decode(ModelGraph.self, from: Data(json.utf8))
        #expect(graph.layers.allSatisfy { $0.trainable })
        #expect(graph.parameterCount == 27)
        #expect(graph.trainableParameterCount == 21)          // all but the moving statistics
        #expect(graph.layer(named: "bn")?.attributes["momentum"] == nil)
        #expect(graph.layer(named: "dropout")?.attributes == ["rate": .double(0.5)])
        // Written again, it keeps its attributes and gains only the explicit flag.
        let again = try JSONDecoder().decode(ModelGraph.self, from: JSONEncoder().encode(graph))
        #expect(again == graph)
    }

    /// Keras' serialised objects round-trip through the graph JSON, and read as Keras writes them.
    @Test func kerasObjectsRoundTrip() throws {
        let regularizer = TrainingAttributes.l2(0.0010000000474974513)
        #expect(regularizer == .object(["class": .string("L2"), "l2": .double(0.001)]))
        #expect(regularizer.description == "L2(l2=0.001)")
        let initializer = TrainingAttributes.kerasObject("VarianceScaling", [
            "scale": .double(2), "mode": .string("fan_in"), "distribution": .string("truncated_normal"), "seed": .int(7),
        ])
        #expect(initializer.description == "VarianceScaling(distribution=truncated_normal, mode=fan_in, scale=2.0, seed=7)")
        let layer = Layer(name: "d", op: .dense, attributes: ["kernel_regularizer": regularizer, "kernel_initializer": initializer],
                          trainable: false)
        // JSON writes scale 2.0 as 2: it reads back as an int, and equal.
        let decoded = try JSONDecoder().decode(Layer.self, from: JSONEncoder().encode(layer))
        #expect(decoded == layer)
        #expect(decoded.attributes["kernel_initializer"]?.objectValue?["scale"]?.doubleValue == 2)
    }

    /// A regulariser Zoo cannot apply does not stop a conversion: it is kept by name, for training to refuse.
    @Test func unknownObjectsAreKeptByName() throws {
        let config = #"""
        {"class_name": "Sequential", "config": {"name": "s", "trainable": false, "layers": [
          {"class_name": "InputLayer", "config": {"name": "in", "batch_input_shape": [null, 4]}},
          {"class_name": "Dense", "config": {"name": "d", "units": 2,
            "kernel_regularizer": {"module": null, "class_name": "MyRegularizer", "config": {"strength": 3, "nested": {"a": 1}},
                                   "registered_name": "Custom>MyRegularizer"},
            "bias_initializer": "he_normal", "kernel_constraint": {"class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}}}},
          {"class_name": "GaussianNoise", "config": {"name": "noise", "stddev": 0.1, "seed": 5}},
          {"class_name": "SpatialDropout2D", "config": {"name": "spatial", "rate": 0.2, "noise_shape": [null, 1]}}]}}
        """#
        let graph = try KerasConfigImporter(file: "inline").importGraph(json: config)
        let dense = try #require(graph.layer(named: "d"))
        #expect(dense.attributes["kernel_regularizer"] == .object(["class": .string("MyRegularizer"), "strength": .int(3)]))
        #expect(dense.attributes["bias_initializer"] == .object(["class": .string("HeNormal")]))
        #expect(dense.attributes["kernel_initializer"] == .object(["class": .string("GlorotUniform")]))   // Keras' default
        #expect(dense.attributes["kernel_constraint"]?.description == "MaxNorm(axis=0, max_value=2)")
        #expect(graph.layer(named: "noise")?.attributes == ["kind": .string("gaussian_noise"), "stddev": .double(0.1), "seed": .int(5)])
        #expect(graph.layer(named: "spatial")?.attributes == ["kind": .string("spatial_dropout2d"), "rate": .double(0.2), "noise_shape": .ints([-1, 1])])
        #expect(graph.layers.allSatisfy { !$0.trainable })        // the model's own trainable: false
    }

    /// `zoo inspect` shows them for a Keras checkpoint (text) and a converted file (JSON): tiny_nested has a
    /// frozen layer inside a nested model, BatchNormalization and dropout in nested Sequentials.
    @Test func inspectShowsTrainingAttributes() throws {
        let set = try ReferenceSet.committed()
        let keras = set.path("tiny_nested/tfk_full.h5")
        let graph = try KerasConfigImporter(file: keras).importGraph(json: try #require(try KerasCheckpoint(path: keras).modelConfig))
        let text = try TestEnvironment.run(TestEnvironment.zooBinary(), ["inspect", keras])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("training: \(graph.trainableParameterCount) trainable parameters, "
                                     + "\(graph.parameterCount - graph.trainableParameterCount) non-trainable; layers with weights: 7 trainable, 1 frozen"))
        let lines = text.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(lines.contains("inner_conv1 conv2d frozen 148 0 kernel_initializer=GlorotUniform() bias_initializer=Zeros()"))
        #expect(lines.contains("seq_dropout dropout yes 0 0 kind=dropout rate=0.1"))
        #expect(lines.contains { $0.hasPrefix("inner_bn batch_norm yes 16 8 momentum=0.99 gamma_initializer=Ones()") })

        let scratch = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let converted = scratch.appendingPathComponent("tiny_nested.safetensors").path
        #expect(try Converting.convert(keras, arch: nil, to: converted).status == 0)
        let json = try TestEnvironment.run(TestEnvironment.zooBinary(), ["inspect", converted, "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let training = try #require(report["training"] as? [String: Any], "no training section in \(json.stdout.prefix(300))")
        #expect(training["trainable_parameters"] as? Int == graph.trainableParameterCount)
        #expect(training["non_trainable_parameters"] as? Int == graph.parameterCount - graph.trainableParameterCount)
        let layers = try #require(training["layers"] as? [[String: Any]])
        let frozen = try #require(layers.first { $0["name"] as? String == "inner_conv1" })
        #expect(frozen["trainable"] as? Bool == false)
        #expect(frozen["scope"] as? [String] == ["inner_block"])
        let dropout = try #require(layers.first { $0["name"] as? String == "seq_dropout" })
        #expect((dropout["attributes"] as? [String: Any])?["rate"] as? Double == 0.1)
    }

    // MARK: Keras as the reference

    /// Keras' reading of every file the two comparisons need, from one tf-keras and one Keras 3 process
    /// side by side (the two cannot share one; TensorFlow's start-up is most of their time). Without the
    /// generated set only the tiny files are read, and the notebook test fails on the set itself.
    private static let kerasReading = Result<[String: KerasModel], any Error> {
        let sets = [try ReferenceSet.committed()] + [try? ReferenceSet.generated()].compactMap { $0 }
        let files = sets.flatMap { set in
            set.entries.filter { (tinyModels + notebookModels + notebookModels.map { "narrow_\($0)" }).contains($0.model) && !$0.weights_only }
                .map { (path: set.path($0.path), keras2: $0.format.hasPrefix("tfk")) }
        }
        nonisolated(unsafe) var fromKeras2: Result<[String: KerasModel], any Error> = .success([:])
        let paths2 = files.filter(\.keras2).map(\.path), paths3 = files.filter { !$0.keras2 }.map(\.path)
        let worker = Thread { fromKeras2 = Result { try KerasModel.load(keras: "2", files: paths2) } }
        worker.start()
        let fromKeras3 = Result { try KerasModel.load(keras: "3", files: paths3) }
        while !worker.isFinished { usleep(10_000) }
        return try fromKeras2.get().merging(fromKeras3.get()) { first, _ in first }
    }

    /// Compares each model's full-model files with what Keras loads from them; returns Keras' trainable
    /// parameter count per model.
    @discardableResult
    private func compareWithKeras(models: [String], in set: ReferenceSet,
                                  formats: Set<String> = ["tfk_full", "k3_full", "k3_keras"]) throws -> [String: Int] {
        let files = set.entries.filter { models.contains($0.model) && !$0.weights_only }
        #expect(Set(files.map(\.format)) == formats)
        let references = try Self.kerasReading.get()

        var counts: [String: Int] = [:]
        for entry in files {
            let path = set.path(entry.path)
            let reference = try #require(references[path], "Keras did not report \(path)")
            let checkpoint = try KerasCheckpoint(path: path)
            let graph = try KerasConfigImporter(file: path).importGraph(json: try #require(checkpoint.modelConfig))
            let place = "\(entry.model) (\(entry.format))"
            #expect(graph.parameterCount == reference.params, "\(place)")
            #expect(graph.trainableParameterCount == reference.trainable_params, "\(place)")
            for layer in reference.layers { compare(layer, graph.layer(named: layer.name), place: place) }
            let described = Set(reference.layers.map(\.name))
            for layer in graph.layers where !layer.weights.isEmpty || layer.op == .dropout {
                #expect(described.contains(layer.name), "\(place): Keras has no layer '\(layer.name)'")
            }
            if counts[entry.model, default: reference.trainable_params] != reference.trainable_params {
                Issue.record("\(place): Keras counts \(reference.trainable_params) trainable parameters, another format of it \(counts[entry.model]!)")
            }
            counts[entry.model] = reference.trainable_params
        }
        return counts
    }

    private static let dropoutKinds = [
        "Dropout": "dropout", "SpatialDropout2D": "spatial_dropout2d", "AlphaDropout": "alpha_dropout",
        "GaussianDropout": "gaussian_dropout", "GaussianNoise": "gaussian_noise",
    ]

    private func compare(_ expected: KerasModel.Layer, _ actual: Layer?, place: String) {
        let where_ = "\(place) layer '\(expected.name)'"
        guard let actual else {
            // Nested models' input layers are replaced by what feeds them; anything else must be there.
            #expect(expected.class == "InputLayer", "\(where_): missing from the graph")
            return
        }
        #expect(actual.parameterCount == expected.params, "\(where_)")
        #expect(actual.trainableParameterCount == expected.trainable_params, "\(where_): trainable parameters")
        if actual.weights.contains(where: { !$0.isMovingStatistic }) {       // a layer whose flag Keras' count shows
            #expect(actual.trainable == (expected.trainable_params > 0), "\(where_): trainable")
        }
        for (key, value) in [("momentum", expected.momentum), ("rate", expected.rate), ("stddev", expected.stddev)] {
            guard let value else { continue }
            #expect(actual.attributes[key]?.doubleValue.map(Float.init) == Float(value), "\(where_): \(key)")
        }
        if let kind = Self.dropoutKinds[expected.class] {
            #expect(actual.attributes["kind"] == .string(kind), "\(where_): kind")
        }
        let objectKeys = actual.attributes.keys.filter { $0.hasSuffix("_initializer") || $0.hasSuffix("_regularizer") || $0.hasSuffix("_constraint") }
        #expect(Set(objectKeys) == Set(expected.objects.keys), "\(where_): initialisers, regularisers, constraints")
        for (key, fields) in expected.objects {
            guard let object = actual.attributes[key]?.objectValue else { continue }
            #expect(Set(object.keys) == Set(fields.keys), "\(where_): \(key) \(object) against Keras' \(fields)")
            for (field, value) in fields where !Self.same(object[field], value) {
                Issue.record("\(where_): \(key).\(field) is \(object[field].map(String.init(describing:)) ?? "absent"), Keras says \(value)")
            }
        }
    }

    /// Numbers compare as the float32 Keras computes with (tf-keras writes some factors already rounded).
    private static func same(_ actual: AttributeValue?, _ expected: AttributeValue) -> Bool {
        if let a = actual?.doubleValue, let b = expected.doubleValue { return Float(a) == Float(b) }
        return actual == expected
    }
}

/// What `keras_training.py` reports for one file: Keras' own reading of the saved model.
private struct KerasModel: Decodable, Sendable {
    struct Layer: Decodable, Sendable {
        let name: String
        let `class`: String
        let params: Int
        let trainable_params: Int
        let momentum: Double?
        let rate: Double?
        let stddev: Double?
        let objects: [String: [String: AttributeValue]]
    }

    let file: String
    let params: Int
    let trainable_params: Int
    let layers: [Layer]

    static func load(keras: String, files: [String]) throws -> [String: KerasModel] {
        guard !files.isEmpty else { return [:] }
        let result = try TestEnvironment.runPython("keras_training.py", ["--keras", keras] + files)
        guard result.status == 0 else {
            throw TestEnvironment.Missing(description: "keras_training.py --keras \(keras) failed: \(result.stderr.suffix(2000))")
        }
        let models = try result.stdout.split(separator: "\n").map { try JSONDecoder().decode(KerasModel.self, from: Data($0.utf8)) }
        return Dictionary(models.map { ($0.file, $0) }) { first, _ in first }
    }
}

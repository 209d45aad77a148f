import Converter
import Foundation
import TestSupport
import Testing
import Zoo

/// Runs `zoo convert` and `zoo verify` the way a user would, for the parity tests.
enum Verifying {
    /// The full-size models of the reference set (in the cache), with and without top and the notebooks'.
    static let fullSizeModels = ["vgg16", "vgg16_notop", "vgg19", "vgg19_notop", "resnet50", "resnet50_notop",
                                 "tb_vgg16", "tb_vgg19", "tb_attention_vgg16", "melanoma_resnet50", "densenet121"]
    /// The architectures the reference set keeps only as Keras configs (generate.py's CONFIG_ONLY): too big to be
    /// worth full-size files next to a family member that has one.
    static let configOnlyArchitectures = ["densenet121-notop", "densenet169", "densenet169-notop", "densenet201",
                                          "densenet201-notop", "resnet101", "resnet101-notop", "resnet152", "resnet152-notop",
                                          "resnet50v2", "resnet50v2-notop"]
    /// The registry architectures whose Keras configs and references keras.applications writes when the test runs
    /// (Tests/GoldenOutputs/applications_reference.py, WiderApplicationsTests) rather than the reference set.
    static let testTimeArchitectures = (["mobilenetv2", "xception", "inceptionv3"] + (0...7).map { "efficientnetb\($0)" }).flatMap { [$0, "\($0)-notop"] }
    /// The narrow twins (same graphs and layer names, widths divided by 8, 64x64 inputs) of the full-size models
    /// and of the config-only architectures with their top; they carry every checkpoint format.
    static let narrowModels = (fullSizeModels + ["densenet169", "densenet201", "resnet101", "resnet152", "resnet50v2"]).map { "narrow_\($0)" }
    /// The cases a full-size model's golden file holds with every layer, comma-separated: `image` and, where
    /// the graph allows it, `odd` (TensorFlow's uneven 'same' padding on a real architecture). `normal`
    /// and `large` keep only the input and the model output there (FullSizeOutputTests).
    static func fullSizeCases(_ model: String) throws -> String {
        struct Listing: Decodable { let model: String; let cases: [String] }
        let index = try TestEnvironment.goldenActivations().appendingPathComponent("activations.json")
        let listing = try JSONDecoder().decode([Listing].self, from: Data(contentsOf: index))
        guard let cases = listing.first(where: { $0.model == model })?.cases else {
            throw TestEnvironment.Missing(description: "\(index.path) lists no model '\(model)': rerun scripts/golden-activations.sh")
        }
        return cases.joined(separator: ",")
    }

    static func verify(_ model: String, golden: String, arguments: [String] = [], fault: String? = nil) throws -> TestEnvironment.Result {
        try TestEnvironment.run(TestEnvironment.zooBinary(), ["verify", model, "--golden", golden] + arguments,
                                environment: fault.map { ["ZOO_FAULT": $0] } ?? [:])
    }

    /// Converts every checkpoint format of `model` into `directory`; returns (format, converted path).
    /// `model`'s Keras 3 file from `set` converted into `directory` as `<model>.safetensors` (or
    /// `<model>.<dtype>.safetensors`); a missing model or a failed conversion fails the test.
    static func convertKeras3(_ model: String, of set: ReferenceSet, dtype: String = "f32", into directory: URL) throws -> String {
        let checkpoint = try #require(set.keras3(model), "\(set.root.path) has no Keras 3 file of \(model)")
        let output = directory.appendingPathComponent(dtype == "f32" ? "\(model).safetensors" : "\(model).\(dtype).safetensors").path
        let result = try Converting.convert(checkpoint, arch: nil, dtype: dtype, to: output)
        try #require(result.status == 0, "\(checkpoint) --dtype \(dtype): \(result.stderr)")
        return output
    }

    static func convertEveryFormat(_ model: String, of set: ReferenceSet, into directory: URL) throws -> [(format: String, path: String)] {
        try set.entries.filter { $0.model == model }.map { entry in
            let output = directory.appendingPathComponent("\(entry.model)-\(entry.format).safetensors").path
            let result = try Converting.convert(set.path(entry.path), arch: set.architecture(for: entry), to: output)
            guard result.status == 0 else {
                throw TestEnvironment.Missing(description: "zoo convert \(entry.path) failed: \(result.stderr)")
            }
            return (entry.format, output)
        }
    }

    /// The worst normalised error in a report's CSV table (written beside `--report`), of every layer or of one.
    static func worstNormalisedError(csv path: String, layer: String? = nil) throws -> Double {
        let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        return rows.filter { row in layer.map { row[2] == $0 } ?? true }.compactMap { Double($0[7]) }.max() ?? .nan
    }

    /// The registry's definition of `arch` is the graph Keras' config at `path` describes: the same layers in Keras'
    /// order, each with the same op, inputs, trainability and weights (names and shapes), and every attribute the
    /// definition sets equal to what the import of Keras' config reads (an input size the definition leaves open, as
    /// without a top, accepts the size keras.applications was built with).
    static func expectNamedDefinition(_ arch: String, isKerasConfig path: String) throws {
        let keras = try KerasConfigImporter(file: path).importGraph(json: String(contentsOfFile: path, encoding: .utf8))
        let named = try Registry.graph(named: arch)
        #expect(named.name == keras.name && named.inputs == keras.inputs && named.outputs == keras.outputs,
                "\(arch): \(named.name) \(named.inputs) \(named.outputs), Keras \(keras.name) \(keras.inputs) \(keras.outputs)")
        try #require(named.layers.map(\.name) == keras.layers.map(\.name),
                     "\(arch): layers differ from Keras' at \(zip(named.layers, keras.layers).first { $0.name != $1.name }.map { "\($0.name) / \($1.name)" } ?? "the end")")
        for (ours, theirs) in zip(named.layers, keras.layers) {
            #expect(ours.op == theirs.op && ours.inputs == theirs.inputs && ours.trainable == theirs.trainable, "\(arch) '\(ours.name)'")
            #expect(ours.weights == theirs.weights, "\(arch) '\(ours.name)': weights \(ours.weights), Keras \(theirs.weights)")
            for (key, value) in ours.attributes where theirs.attributes[key] != value && !openShape(value, admits: theirs.attributes[key]) {
                let keras: String = theirs.attributes[key].map { "\($0)" } ?? "nothing"
                Issue.record("\(arch) '\(ours.name)': \(key) is \(value), Keras' config gives \(keras)")
            }
        }
    }

    /// Whether `shape` (-1: open) admits the concrete `other`.
    private static func openShape(_ shape: AttributeValue, admits other: AttributeValue?) -> Bool {
        guard case .ints(let open) = shape, case .ints(let concrete)? = other, open.count == concrete.count else { return false }
        return zip(open, concrete).allSatisfy { $0 == -1 || $0 == $1 }
    }
}

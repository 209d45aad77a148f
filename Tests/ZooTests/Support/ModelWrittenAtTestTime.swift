import Converter
import Foundation
import Tensor
import Testing
import TestSupport
import Zoo

/// A small model that a script in Tests/GoldenOutputs builds and Keras 3 writes when the test runs (in the golden
/// sets' layout: `NAME/<checkpoint>`, `NAME/activations.safetensors`, `NAME_train/`), checked the way every model
/// Zoo proves is: each checkpoint converted by `zoo convert`, then `zoo verify` layer by layer against Keras, the
/// fused engine's outputs against Keras', and `zoo verify --gradients` against TensorFlow's gradients.
struct ModelWrittenAtTestTime {
    let script: String
    let name: String
    let directory: URL

    /// Runs the script into a temporary folder (with `arguments` after it); `remove()` deletes it.
    init(script: String, name: String, arguments: [String] = []) throws {
        self.script = script
        self.name = name
        directory = try Converting.temporaryDirectory()
        try TestEnvironment.generateReference(script, into: directory, arguments)
    }

    private init(script: String, name: String, directory: URL) {
        self.script = script
        self.name = name
        self.directory = directory
    }

    /// Another model the same script run wrote.
    func model(_ name: String) -> ModelWrittenAtTestTime { ModelWrittenAtTestTime(script: script, name: name, directory: directory) }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    var golden: String { directory.appendingPathComponent("\(name)/activations.safetensors").path }

    /// Converts `NAME/<checkpoint>` to a file of its own, failing the test with zoo's message if it is refused.
    func convert(_ checkpoint: String) throws -> String {
        let model = directory.appendingPathComponent("\(name)-\(checkpoint).safetensors").path
        let conversion = try Converting.convert(directory.appendingPathComponent("\(name)/\(checkpoint)").path, arch: nil, to: model)
        try #require(conversion.status == 0, "\(checkpoint): \(conversion.stderr)")
        return model
    }

    /// `zoo verify` layer by layer; returns the worst normalised error.
    @discardableResult
    func verifyLayerByLayer(_ model: String) throws -> Double {
        let report = directory.appendingPathComponent("parity.md").path
        let parity = try Verifying.verify(model, golden: golden, arguments: ["--report", report])
        #expect(parity.status == 0, "\(parity.stdout.suffix(3000)) \(parity.stderr)")
        let worst = try Verifying.worstNormalisedError(csv: directory.appendingPathComponent("parity.csv").path)
        print("parity \(name): worst normalised error \(worst)")
        return worst
    }

    /// The fused engine's `output` on every golden case, against Keras' (the file's own graph, or a registry
    /// `architecture`'s with the file's weights); returns the fused model's steps.
    @discardableResult
    func verifyFused(_ model: String, output: String = "predictions", architecture: String? = nil) throws -> [String] {
        let file = try SafetensorsFile(path: model)
        let fused = try architecture.map { try Model(architecture: $0, file: file, mode: .fused) } ?? Model(file: file, mode: .fused)
        let activations = try GoldenActivations(path: golden)
        for name in activations.cases {
            let result = try fused.run([activations.input(name)])[0]
            let expected = try #require(try activations.output(of: output, case: name))
            let error = LayerParity(layer: output, op: "", depth: 0, actual: result, reference: expected).normalisedError
            #expect(error < 1e-4, "fused \(name): normalised error \(error)")
        }
        return fused.steps
    }

    /// One conversion of the model's file in each format, what the script wrote it in: `NAME/<checkpoint>` converted, then
    /// verified layer by layer and fused, each result handed to `check` (checkpoint, converted path, worst normalised
    /// error, fused steps). Returns the converted paths in order.
    func convertAndVerify(_ checkpoints: [String], check: (_ checkpoint: String, _ model: String, _ worst: Double,
                                                           _ steps: [String]) throws -> Void) throws -> [String] {
        try checkpoints.map { checkpoint in
            let model = try convert(checkpoint)
            try check(checkpoint, model, try verifyLayerByLayer(model), try verifyFused(model))
            return model
        }
    }

    /// The converted `model`'s layers `exact` and `close` each run alone on Keras' output of the layer before it (or the
    /// case's input), on every golden case: the outputs of `exact` (layers that copy values, or interpolate them with TensorFlow's own float32
    /// operations) must be Keras' bit for bit, those of `close` within 1e-6 normalised error. Run alone, a layer shows its
    /// own error, not the one its input brings from the layers before.
    func checkLayersOnKerasInputs(_ model: String, exact: [String], close: [String]) throws {
        let file = try SafetensorsFile(path: model)
        let graph = try Model.graph(in: file)
        let activations = try GoldenActivations(path: golden)
        for name in exact + close {
            var layer = try #require(graph.layer(named: name))
            let source = layer.inputs[0]
            layer.inputs = ["keras_input"]
            for example in activations.cases {
                let input = try graph.inputs.contains(source) ? activations.input(example)
                    : #require(try activations.output(of: source, case: example), "no Keras output of \(source)")
                let expected = try #require(try activations.output(of: name, case: example))
                let alone = ModelGraph(name: name, layers: [Layer(name: "keras_input", op: .input, attributes: ["shape": .ints(Array(input.shape.dropFirst()))]),
                                                            layer],
                                       inputs: ["keras_input"], outputs: [name])
                let output = try Model(graph: alone, file: file, mode: .layerByLayer).run([input])[0]
                #expect(output.shape == expected.shape, "\(name) \(example): \(output.shape), Keras \(expected.shape)")
                if exact.contains(name) {
                    let differing = zip(output.toArray(), expected.toArray()).count { $0 != $1 }
                    #expect(differing == 0, "\(name) \(example): \(differing) of \(expected.count) values differ from Keras'")
                } else {
                    let error = LayerParity(layer: name, op: "", depth: 0, actual: output, reference: expected).normalisedError
                    #expect(error < 1e-6, "\(name) \(example): normalised error \(error)")
                }
            }
        }
    }

    /// `zoo verify --gradients` against the `NAME_train` case; returns its report.
    @discardableResult
    func verifyGradients(_ model: String) throws -> String {
        let gradients = try Verifying.verify(model, golden: directory.appendingPathComponent("\(name)_train").path, arguments: ["--gradients"])
        #expect(gradients.status == 0, "\(gradients.stdout.suffix(4000)) \(gradients.stderr)")
        return gradients.stdout
    }
}

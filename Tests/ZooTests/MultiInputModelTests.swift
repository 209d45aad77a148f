import Converter
import Foundation
import Testing
import TestSupport
import Zoo

/// A model with an image input and a clinical-metadata input and two outputs, as published skin-lesion classifiers
/// have (issue 14 §3), written by Keras 3 when the test runs (Tests/GoldenOutputs/lesion_with_metadata.py): it
/// converts, `zoo verify` feeds each golden input by name and checks every layer and both outputs, the fused engine
/// gives Keras' outputs, and `zoo predict --input image=PNG --input metadata=NPY` prints every output as Keras has it.
@Suite(.serialized) struct MultiInputModelTests {
    @Test func convertsVerifiesAndPredictsFromNamedInputs() throws {
        let written = try ModelWrittenAtTestTime(script: "lesion_with_metadata.py", name: "lesion_with_metadata")
        defer { written.remove() }
        let model = try written.convert("k3.keras")
        let graph = try Model.graph(in: try SafetensorsFile(path: model))
        #expect(graph.inputs == ["image", "metadata"] && graph.outputs == ["diagnosis", "malignancy"], "\(graph.inputs) \(graph.outputs)")

        let worst = try written.verifyLayerByLayer(model)
        #expect(worst < 1e-5, "worst normalised error \(worst)")
        let fused = try Model(file: try SafetensorsFile(path: model), mode: .fused)
        let golden = try GoldenActivations(path: written.golden)
        for name in golden.cases {
            let outputs = try fused.run(try golden.inputs(name, for: fused.graph.inputs))
            for (output, value) in zip(fused.graph.outputs, outputs) {
                let expected = try #require(try golden.output(of: output, case: name))
                let error = LayerParity(layer: output, op: "", depth: 0, actual: value, reference: expected).normalisedError
                #expect(error < 1e-5, "fused \(name) \(output): normalised error \(error)")
            }
        }

        let folder = written.directory.appendingPathComponent("lesion_with_metadata")
        let image = folder.appendingPathComponent("image.png").path, metadata = folder.appendingPathComponent("metadata.npy").path
        let predicted = try TestEnvironment.run(TestEnvironment.zooBinary(),
                                                ["predict", model, "--input", "image=\(image)", "--input", "metadata=\(metadata)", "--json", "--raw"])
        try #require(predicted.status == 0, "\(predicted.stderr)")
        struct Output: Decodable { let shape: [Int]; let values: [Double] }
        struct Line: Decodable { let inputs: [String: String]; let outputs: [String: Output] }
        let line = try JSONDecoder().decode(Line.self, from: Data(predicted.stdout.utf8))
        let keras = try JSONDecoder().decode([String: [Double]].self, from: Data(contentsOf: folder.appendingPathComponent("image_case.json")))
        #expect(line.inputs == ["image": image, "metadata": metadata])
        #expect(Set(line.outputs.keys) == ["diagnosis", "malignancy"])
        for (name, expected) in keras {
            let values = try #require(line.outputs[name]?.values)
            #expect(values.count == expected.count && zip(values, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(name): \(values) vs Keras \(expected)")
        }

        // Each input named once, each name the model's own, the array of the input's shape: one line saying which.
        let refusals: [([String], String)] = [
            (["--input", "image=\(image)"], "also needs --input metadata=PATH"),
            (["--input", "image=\(image)", "--input", "metadata=\(metadata)", "--input", "age=\(metadata)"], "has no input 'age'"),
            (["--input", "image=\(metadata)", "--input", "metadata=\(metadata)"], "input 'image' takes (16, 14, 3)"),
            (["--input", "image=\(image)", "--input", "metadata=\(image)"], "not an image of 1 or 3 channels"),
            (["--input", "image=\(image)", "--input", "metadata=\(metadata)", image], "not both"),
            (["--input", "image=\(image)", "--input", "image=\(image)"], "given twice"),
        ]
        for (arguments, message) in refusals {
            let result = try TestEnvironment.run(TestEnvironment.zooBinary(), ["predict", model] + arguments)
            #expect(result.status != 0 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}

import Converter
import Foundation
import Tensor
import Testing
import TestSupport
import Zoo

/// The golden cases a full-size model's file keeps without its intermediate layers (`normal`, a batch of
/// two, and `large`; scripts/golden-activations.sh): the converted Keras 3 file, run as `zoo predict` runs
/// it, gives Keras' output within the float32 parity tolerance. Their layer-by-layer parity runs on the
/// narrow models, which have the same graphs (ParityTests).
@Suite(.serialized) struct FullSizeOutputTests {
    @Test(arguments: Verifying.fullSizeModels)
    func outputsMatchKeras(model: String) throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let golden = try GoldenActivations(path: TestEnvironment.activations(of: model))
        let cases = (golden.file.metadata["output_cases"] ?? "").split(separator: ",").map(String.init)
        try #require(Set(cases) == ["normal", "large"], "\(golden.file.path): output-only cases \(cases), expected normal and large")
        let output = try #require(golden.file.metadata["outputs"], "\(golden.file.path): no 'outputs' in the metadata")
        let converted = try Verifying.convertKeras3(model, of: ReferenceSet.generated(), into: directory)
        let network = try Model(file: SafetensorsFile(path: converted))
        for name in cases {
            let stored = try #require(golden.file.tensor(named: "inputs/\(name)"), "\(golden.file.path): no input for case '\(name)'")
            let input = try golden.file.tensor(named: stored.name, shape: stored.shape)
            let reference = try #require(try golden.output(of: output, case: name), "\(golden.file.path): no '\(output)/\(name)'")
            let actual = try network.predict([input])
            try #require(actual.count == 1)
            #expect(actual[0].shape == reference.shape && actual[0].count == reference.count, "\(model) \(name): shape \(actual[0].shape), Keras \(reference.shape)")
            let parity = LayerParity(layer: output, op: "", depth: 0, actual: actual[0], reference: reference)
            #expect(parity.passes(tolerance: 1e-4), "\(model) \(name): normalised error \(parity.normalisedError) \(parity.problem)")
        }
    }
}

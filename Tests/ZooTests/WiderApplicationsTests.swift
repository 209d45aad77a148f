import Converter
import Foundation
import Testing
import TestSupport
import Zoo

/// keras.applications' MobileNetV2 and Xception (issue 14), built by Keras 3 when the test runs (Tests/GoldenOutputs/
/// applications_reference.py): the registry's definitions, with and without the top, are the graphs Keras' configs
/// describe and have Keras' parameter counts; each base, with seeded weights, converts, verifies layer by layer against
/// Keras at two small sizes (one odd), and runs from the registry's definition with Keras' outputs.
@Suite(.serialized) struct WiderApplicationsTests {
    @Test(arguments: ["mobilenetv2", "xception"])
    func namedDefinitionIsKerasAndComputesWhatKerasComputes(_ arch: String) throws {
        let written = try ModelWrittenAtTestTime(script: "applications_reference.py", name: "\(arch)_notop", arguments: [arch])
        defer { written.remove() }
        struct Record: Decodable { let arch: String; let params: Int; let config: String }
        let records = try JSONDecoder().decode([Record].self, from: Data(contentsOf: written.directory.appendingPathComponent("architectures.json")))
        #expect(records.map(\.arch) == [arch, "\(arch)-notop"])
        for record in records {
            let entry = try #require(Registry.entry(named: record.arch))
            let counted = try entry.graph().parameterCount
            #expect(entry.parameters == record.params && counted == record.params,
                    "\(record.arch): registry \(entry.parameters), its graph \(counted), Keras \(record.params)")
            try Verifying.expectNamedDefinition(record.arch, isKerasConfig: written.directory.appendingPathComponent(record.config).path)
        }

        let model = try written.convert("k3.keras")
        let worst = try written.verifyLayerByLayer(model)
        #expect(worst < 1e-4, "\(arch): worst normalised error \(worst)")
        let output = try #require(try GoldenActivations(path: written.golden).file.metadata["outputs"])
        // The file's own graph and the registry's give the same steps, and Keras' output.
        let own = try written.verifyFused(model, output: output)
        let named = try written.verifyFused(model, output: output, architecture: "\(arch)-notop")
        #expect(own == named, "\(arch): the file's graph runs \(own.count) steps, the registry's \(named.count)")
    }
}

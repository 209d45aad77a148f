import Converter
import Foundation
import Testing
import TestSupport
import Zoo

/// keras.applications' MobileNetV2, Xception, InceptionV3 and EfficientNetB0-B7 (issue 14), built by Keras 3 when the
/// test runs (Tests/GoldenOutputs/applications_reference.py; EfficientNet as for its ImageNet weights, with its
/// preprocessing layers): the registry's definitions, with and without the top, are the graphs Keras' configs describe
/// and have Keras' parameter counts; MobileNetV2's, Xception's, InceptionV3's and EfficientNetB0's bases, with seeded
/// weights, convert, verify layer by layer against Keras at two small sizes (one odd), and run from the registry's
/// definition with Keras' outputs. B1-B7 are B0's blocks at other widths and depths: their graphs and counts are checked.
@Suite(.serialized) struct WiderApplicationsTests {
    @Test(arguments: ["mobilenetv2", "xception", "inceptionv3", "efficientnetb0"])
    func namedDefinitionIsKerasAndComputesWhatKerasComputes(_ arch: String) throws {
        let written = try ModelWrittenAtTestTime(script: "applications_reference.py", name: "\(arch)_notop", arguments: [arch])
        defer { written.remove() }
        try expectDefinitionsAreKeras([arch], written)

        let model = try written.convert("k3.keras")
        let worst = try written.verifyLayerByLayer(model)
        #expect(worst < 1e-4, "\(arch): worst normalised error \(worst)")
        let output = try #require(try GoldenActivations(path: written.golden).file.metadata["outputs"])
        // The file's own graph and the registry's give the same steps, and Keras' output.
        let own = try written.verifyFused(model, output: output)
        let named = try written.verifyFused(model, output: output, architecture: "\(arch)-notop")
        #expect(own == named, "\(arch): the file's graph runs \(own.count) steps, the registry's \(named.count)")
        // EfficientNet's squeeze-and-excitation gates fold into its projections (this base's map sizes are known only at
        // run time; "normal" is a batch of 2).
        #expect(own.contains("multiply+conv2d+batch_norm") == (arch == "efficientnetb0"), "\(arch): \(Set(own))")
        // MobileNetV2's 17 depthwise convolutions, each with its BatchNormalization and ReLU(6.0), fold into the projection
        // after them, whose GEMM computes their pixels, and the 16 expansions before them into the same steps (inverted
        // residual blocks); EfficientNet's feed a squeeze-and-excitation and stay steps.
        let separable = own.count { $0.contains("depthwise_conv2d+batch_norm+activation+conv2d+batch_norm") }
        let inverted = own.count { $0.hasPrefix("conv2d+batch_norm+activation+") && $0.contains("depthwise_conv2d") }
        #expect(separable == (arch == "mobilenetv2" ? 17 : 0) && inverted == (arch == "mobilenetv2" ? 16 : 0), "\(arch): \(Set(own))")
    }

    @Test func efficientNetScalesAsKeras() throws {
        let variants = (1...7).map { "efficientnetb\($0)" }
        let written = try ModelWrittenAtTestTime(script: "applications_reference.py", name: "", arguments: variants)
        defer { written.remove() }
        try expectDefinitionsAreKeras(variants, written)
    }

    /// Each architecture's registry definitions, with and without the top, against the configs and counts Keras wrote.
    private func expectDefinitionsAreKeras(_ architectures: [String], _ written: ModelWrittenAtTestTime) throws {
        struct Record: Decodable { let arch: String; let params: Int; let config: String }
        let records = try JSONDecoder().decode([Record].self, from: Data(contentsOf: written.directory.appendingPathComponent("architectures.json")))
        #expect(records.map(\.arch) == architectures.flatMap { [$0, "\($0)-notop"] })
        for record in records {
            let entry = try #require(Registry.entry(named: record.arch))
            let counted = try entry.graph().parameterCount
            #expect(entry.parameters == record.params && counted == record.params,
                    "\(record.arch): registry \(entry.parameters), its graph \(counted), Keras \(record.params)")
            try Verifying.expectNamedDefinition(record.arch, isKerasConfig: written.directory.appendingPathComponent(record.config).path)
        }
    }
}

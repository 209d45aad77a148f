import Converter
import Foundation
import Testing
import TestSupport
import Zoo

/// A tiny MobileNet-style model with issue 14's layers (DepthwiseConv2D with a depth multiplier, stride 2 on an odd
/// map, dilation and fused activations; BatchNormalization + ReLU(6.0) as MobileNetV2 has them; swish, hard_swish,
/// gelu, relu6, selu, hard_sigmoid, softplus), written by Keras 3 when the test runs (Tests/GoldenOutputs/
/// mobile_blocks.py), converted by `zoo convert`, and checked layer by layer against Keras (`zoo verify`), in the
/// fused engine, and in its training gradients against TensorFlow's (`zoo verify --gradients`).
@Suite(.serialized) struct MobileBlocksTests {
    @Test func convertsAndMatchesKerasLayerByLayerFusedAndInItsGradients() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try TestEnvironment.generateReference("mobile_blocks.py", into: directory)
        let model = directory.appendingPathComponent("mobile_blocks.safetensors").path
        let conversion = try Converting.convert(directory.appendingPathComponent("mobile_blocks/k3.keras").path, arch: nil, to: model)
        try #require(conversion.status == 0, "\(conversion.stderr)")

        let golden = directory.appendingPathComponent("mobile_blocks/activations.safetensors").path
        let report = directory.appendingPathComponent("parity.md").path
        let parity = try Verifying.verify(model, golden: golden, arguments: ["--report", report])
        #expect(parity.status == 0, "\(parity.stdout.suffix(3000)) \(parity.stderr)")
        let worst = try Verifying.worstNormalisedError(csv: directory.appendingPathComponent("parity.csv").path)
        print("parity mobile_blocks: worst normalised error \(worst)")

        // Fused: each depthwise convolution absorbs its BatchNormalization and ReLU(6.0), and the output stays Keras'.
        let file = try SafetensorsFile(path: model)
        let fused = try Model(file: file, mode: .fused)
        #expect(fused.steps.contains("depthwise_conv2d+batch_norm+activation"), "\(fused.steps)")
        let activations = try GoldenActivations(path: golden)
        for name in activations.cases {
            let output = try fused.run([activations.input(name)])[0]
            let expected = try #require(try activations.output(of: "predictions", case: name))
            let error = LayerParity(layer: "predictions", op: "", depth: 0, actual: output, reference: expected).normalisedError
            #expect(error < 1e-4, "fused \(name): normalised error \(error)")
        }

        let gradients = try Verifying.verify(model, golden: directory.appendingPathComponent("mobile_blocks_train").path,
                                             arguments: ["--gradients"])
        #expect(gradients.status == 0, "\(gradients.stdout.suffix(4000)) \(gradients.stderr)")
        #expect(gradients.stdout.contains("dw_s2_m2_swish") && gradients.stdout.contains("block_depthwise"), "\(gradients.stdout)")
    }
}

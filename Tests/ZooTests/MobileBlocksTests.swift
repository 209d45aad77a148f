import Testing

/// A tiny MobileNet- and Xception-style model with issue 14's layers (DepthwiseConv2D with a depth multiplier, stride 2
/// on an odd map, dilation and fused activations; BatchNormalization + ReLU(6.0) as MobileNetV2 has them; SeparableConv2D
/// without bias beside a shortcut as Xception has it, with a depth multiplier, and dilated with a bias; EfficientNet's
/// squeeze-and-excitation through a Reshape and a broadcasting Multiply; swish, hard_swish,
/// gelu, relu6, selu, hard_sigmoid, softplus), written by Keras 3 when the test runs (Tests/GoldenOutputs/
/// mobile_blocks.py) as a `.keras` archive and a legacy `.h5` (weights matched by name), converted by `zoo convert`, and
/// checked layer by layer against Keras (`zoo verify`), in the fused engine, and in its training gradients against
/// TensorFlow's (`zoo verify --gradients`).
@Suite(.serialized) struct MobileBlocksTests {
    @Test func convertsAndMatchesKerasLayerByLayerFusedAndInItsGradients() throws {
        let written = try ModelWrittenAtTestTime(script: "mobile_blocks.py", name: "mobile_blocks")
        defer { written.remove() }
        let converted = try written.convertAndVerify(["k3.keras", "k3_full.h5"]) { _, _, _, steps in
            // Fused: the MobileNetV2 block is one step, its expansion, depthwise convolution (each with its
            // BatchNormalization and ReLU(6.0)) and projection with its BatchNormalization and the residual add (an
            // inverted residual block); the second separable convolution absorbs its BatchNormalization and the shortcut's
            // add; the output stays Keras'.
            #expect(steps.contains("conv2d+batch_norm+activation+depthwise_conv2d+batch_norm+activation+conv2d+batch_norm+add"), "\(steps)")
            #expect(steps.contains("separable_conv2d+batch_norm+add"), "\(steps)")
        }
        let gradients = try written.verifyGradients(converted[0])
        for layer in ["dw_s2_m2_swish", "block_depthwise", "sep1", "sep2", "sep_d2_elu", "se_expand"] {
            #expect(gradients.contains(layer), "\(layer): \(gradients)")
        }
    }
}

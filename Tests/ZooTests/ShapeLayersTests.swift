import Converter
import Testing
import Zoo

/// The layers that move values around an image (issue 14, section 1): Cropping2D in each form Keras writes, UpSampling2D
/// nearest and bilinear (a factor of 3, whose source positions round), CenterCrop with odd differences and on an input
/// smaller than its target (which Keras resizes), Permute of a rank-4 and a rank-3 value, LayerNormalization with and
/// without beta and on a rank-3 value, and GlobalAveragePooling2D with keepdims. Written when the test runs (Tests/GoldenOutputs/shape_layers.py) by Keras 3 as a `.keras` archive and a
/// legacy `.h5`, and by tf-keras as an `.h5` with the same weights (its LayerNormalization axes are positive); each
/// converts and verifies layer by layer and fused, and the model trains with TensorFlow's gradients, which pass from
/// the first convolution back through every one of these layers.
@Suite(.serialized) struct ShapeLayersTests {
    /// Layers whose outputs are Keras' bit for bit when they are given Keras' own input: they copy values, or interpolate
    /// them with TensorFlow's own float32 operations.
    static let exact = ["crop_int", "crop_pair", "crop_sides", "up_nearest", "up_bilinear", "center_crop", "center_resize", "permute_wh",
                        "permute_chw", "permute_back", "permute_rows"]
    static let normalizations = ["layer_norm", "layer_norm_plain", "layer_norm_rows"]

    @Test func convertsFromBothFormatsAndMatchesKerasLayerByLayerFusedAndInItsGradients() throws {
        let written = try ModelWrittenAtTestTime(script: "shape_layers.py", name: "shape_layers")
        defer { written.remove() }
        // Layer by layer the worst error is LayerNormalization's after the ReLU (1.5e-5 on the odd case): a position with
        // nearly all of its 8 channels at zero has a variance near epsilon, which magnifies its input's float32 differences
        // about a hundredfold; run on Keras' own input, the layer is within 1e-6 (checkLayersOnKerasInputs).
        let converted = try written.convertAndVerify(["k3.keras", "k3_full.h5", "tf_keras_full.h5"]) { checkpoint, model, _, _ in
            let graph = try Model.graph(in: try SafetensorsFile(path: model))
            #expect(graph.parameterCount == 112 + 222 + 12 + 440 + 8 + 8 + 27, "\(checkpoint): \(graph.parameterCount) parameters")
            try written.checkLayersOnKerasInputs(model, exact: Self.exact, close: Self.normalizations)
        }
        let gradients = try written.verifyGradients(converted[0])
        for layer in ["conv", "conv_stride", "layer_norm", "layer_norm_plain", "layer_norm_rows"] {
            #expect(gradients.contains(layer), "\(layer): \(gradients)")
        }
    }
}

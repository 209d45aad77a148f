import Converter
import Testing
import Zoo

/// Grouped convolutions (groups 2 and 4; 3x3 'same', 3x3 stride 2 'valid', dilated, 1x1; with a BatchNormalization after one)
/// and Resizing (bilinear up and down by ratios that are not integers, nearest, cut to the target's aspect ratio first,
/// from the odd case's 13x17 too), issue 14, section 1: written when the test runs (Tests/GoldenOutputs/grouped_resizing.py)
/// by Keras 3 as a `.keras` archive and a legacy `.h5`, and by tf-keras as an `.h5` with the same weights; each converts and
/// verifies layer by layer and fused, and the model trains with TensorFlow's gradients, which pass back through every
/// Resizing to the input.
@Suite(.serialized) struct GroupedResizingTests {
    /// Resizing moves values with TensorFlow's own float32 operations: Keras' bits, when it is given Keras' input.
    static let resizings = ["resize_up", "resize_down", "resize_nearest", "resize_crop", "resize_nearest_crop"]
    /// Each grouped convolution alone, on Keras' input.
    static let groupedConvolutions = ["grouped_g2", "grouped_g4_s2", "grouped_dilated", "grouped_1x1"]

    @Test func convertsFromEveryFormatAndMatchesKerasLayerByLayerFusedAndInItsGradients() throws {
        let written = try ModelWrittenAtTestTime(script: "grouped_resizing.py", name: "grouped_resizing")
        defer { written.remove() }
        let converted = try written.convertAndVerify(["k3.keras", "k3_full.h5", "tf_keras_full.h5"]) { checkpoint, model, worst, steps in
            let graph = try Model.graph(in: try SafetensorsFile(path: model))
            #expect(graph.parameterCount == 224 + 296 + 228 + 48 + 336 + 56 + 27, "\(checkpoint): \(graph.parameterCount) parameters")
            #expect(graph.layer(named: "grouped_g4_s2")?.attributes["groups"] == .int(4), "\(checkpoint)")
            #expect(worst < 1e-5, "\(checkpoint): worst normalised error \(worst)")
            // Fused, the BatchNormalization folds into the grouped convolution before it, each group's output channels scaled.
            #expect(steps.contains("conv2d+batch_norm"), "\(checkpoint): \(steps)")
            try written.checkLayersOnKerasInputs(model, exact: Self.resizings, close: Self.groupedConvolutions)
        }
        let gradients = try written.verifyGradients(converted[0])
        for layer in ["conv", "bn"] + Self.groupedConvolutions {
            #expect(gradients.contains(layer), "\(layer): \(gradients)")
        }
    }
}

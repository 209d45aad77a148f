import Converter
import Foundation
import Testing
import Zoo

/// Keras' preprocessing layers inside a model (issue 14): Rescaling with one number and with a NumPy array per
/// channel, Normalization adapted by Keras' own `adapt()` (its int64 `count` among the weights), given to the
/// constructor for all values (axis=None) and per channel, and inverted with a zero variance. Written by Keras 3
/// when the test runs (Tests/GoldenOutputs/preprocessing_layers.py) as a `.keras` archive and a legacy full-model
/// `.h5`; both convert, verify layer by layer and fused, and train with TensorFlow's gradients.
@Suite(.serialized) struct PreprocessingLayersTests {
    @Test func convertsFromBothFormatsAndMatchesKerasLayerByLayerFusedAndInItsGradients() throws {
        let written = try ModelWrittenAtTestTime(script: "preprocessing_layers.py", name: "preprocessing_layers")
        defer { written.remove() }
        let converted = try written.convertAndVerify(["k3.keras", "k3_full.h5"]) { checkpoint, model, worst, _ in
            // The preprocessing is computed as Keras computes it, operation for operation: the first layers are exact.
            #expect(worst < 1e-5, "\(checkpoint): worst normalised error \(worst)")
            let graph = try Model.graph(in: try SafetensorsFile(path: model))
            #expect(graph.parameterCount == 3 * 2 + 1 + 4 * 27 + 4 + 4 * 3 + 3, "\(checkpoint): \(graph.parameterCount) parameters")
            #expect(graph.trainableParameterCount == 4 * 27 + 4 + 4 * 3 + 3, "\(checkpoint): the adapted statistics are not trainable")
        }
        let gradients = try written.verifyGradients(converted[0])
        #expect(gradients.contains("conv"), "\(gradients)")
    }
}

import Foundation
import Tensor
import Testing
import Training

/// Zoo's losses against Keras 3 (TensorFlow backend, GradientTape): the mean loss and dL/d(output) for a batch of
/// six rows with two saturated far beyond Keras' epsilon, where clipping decides both.
@Suite struct LossKerasTests {
    /// Measured: every loss value and every from-logits gradient equal Keras' bit for bit; the gradients on
    /// probabilities within 1.8e-7 of the largest (TensorFlow's division and clip order differ in the last bit).
    static let tolerance: Float = 1e-6

    /// Case name, loss, target, output tensor, whether class weights apply.
    static func setup(_ name: String, _ reference: KerasLossReference) throws -> (any Loss, LossTarget, Tensor, [Float]?) {
        let labels = reference.listing.loss_inputs.labels
        let onehot = LossTarget.dense(try reference.tensor("onehot")), sparse = LossTarget.sparse(labels)
        let classWeight = Dictionary(uniqueKeysWithValues: reference.listing.loss_inputs.class_weight.map { (Int($0.key)!, $0.value) })
        let weights = ClassWeights.sampleWeights(sparse, classWeight: classWeight)
        switch name {
        case "cce_probabilities": return (CategoricalCrossentropy(), onehot, try reference.tensor("probabilities"), nil)
        case "cce_logits", "softmax_head_fit", "softmax_head_eager":
            return (CategoricalCrossentropy(fromLogits: true), onehot, try reference.tensor("logits"), nil)
        case "cce_probabilities_class_weight": return (CategoricalCrossentropy(), onehot, try reference.tensor("probabilities"), weights)
        case "cce_logits_class_weight": return (CategoricalCrossentropy(fromLogits: true), onehot, try reference.tensor("logits"), weights)
        case "sparse_probabilities": return (CategoricalCrossentropy(), sparse, try reference.tensor("probabilities"), nil)
        case "sparse_logits": return (CategoricalCrossentropy(fromLogits: true), sparse, try reference.tensor("logits"), nil)
        case "sparse_probabilities_class_weight": return (CategoricalCrossentropy(), sparse, try reference.tensor("probabilities"), weights)
        case "bce_probabilities": return (BinaryCrossentropy(), .dense(try reference.tensor("binary")), try reference.tensor("sigmoid"), nil)
        case "bce_logits": return (BinaryCrossentropy(fromLogits: true), .dense(try reference.tensor("binary")), try reference.tensor("logits"), nil)
        case "mse": return (MeanSquaredError(), .dense(try reference.tensor("regression")), try reference.tensor("logits"), nil)
        default: throw CallbackError("no case \(name)")
        }
    }

    /// Every case: the loss within float32 rounding of Keras', the gradient likewise. The softmax-head cases
    /// (`keras.activations.softmax` inside a `tf.function`, as `fit` runs, and eagerly) are Zoo's from-logits loss
    /// on the softmax's input: Keras 3 takes its cached logits in both.
    @Test(arguments: ["cce_probabilities", "cce_logits", "cce_probabilities_class_weight", "cce_logits_class_weight",
                      "sparse_probabilities", "sparse_logits", "sparse_probabilities_class_weight", "bce_probabilities",
                      "bce_logits", "mse", "softmax_head_fit", "softmax_head_eager"])
    func matchesKeras(name: String) throws {
        let reference = try KerasLossReference.shared.get()
        let (loss, target, output, weights) = try Self.setup(name, reference)
        let gradient = try Tensor(shape: output.shape)
        let value = try loss(output, target, sampleWeights: weights, gradient: gradient)
        let expected = try reference.loss(name)
        #expect(abs(Double(value) - expected) <= Double(Self.tolerance) * max(1, abs(expected)), "\(name): loss \(value), Keras \(expected)")
        let error = relativeError(gradient.toArray(), try reference.tensor("\(name)/gradient").toArray())
        #expect(error <= Self.tolerance, "\(name): gradient error \(error)")
    }

    /// Keras' class weights scale rows without renormalising: the weighted mean divides by the rows, not by the
    /// weights' sum (measured: Keras' weighted loss is exactly sum(w_i l_i) / 6).
    @Test func classWeightsDivideByRows() throws {
        let reference = try KerasLossReference.shared.get()
        let (loss, target, output, weights) = try Self.setup("cce_logits_class_weight", reference)
        let sampleWeights = try #require(weights)
        #expect(sampleWeights == reference.listing.loss_inputs.sample_weights, "Keras' class_weight_to_sample_weights")
        let unweighted = try loss(output, target, sampleWeights: sampleWeights.map { _ in 1 })
        let byRows = try loss(output, target, sampleWeights: sampleWeights)
        let expected = try reference.loss("cce_logits_class_weight")
        #expect(abs(Double(byRows) - expected) <= 1e-5 * expected)
        let bySum = byRows * Float(sampleWeights.count) / sampleWeights.reduce(0, +)
        #expect(abs(Double(bySum) - expected) > 0.1 * expected, "dividing by the weights' sum would also match")
        #expect(unweighted != byRows)
    }

    /// With saturated rows, the clipped-probability path and the logits path differ, in the loss and in the
    /// gradient reaching the logits: `tf.nn.softmax` run eagerly (no cached logits) gives Keras' clipped path,
    /// which Zoo reproduces as its probability gradient taken back through the softmax; Keras' own softmax gives
    /// the logits path (tested above).
    @Test func clippedPathThroughSoftmaxMatchesTfNnSoftmax() throws {
        let reference = try KerasLossReference.shared.get()
        let probabilities = try reference.tensor("probabilities"), onehot = LossTarget.dense(try reference.tensor("onehot"))
        let gradient = try Tensor(shape: probabilities.shape)
        let value = try CategoricalCrossentropy()(probabilities, onehot, gradient: gradient)
        let expected = try reference.loss("softmax_head_tf_nn_eager")
        #expect(abs(Double(value) - expected) <= 2e-6 * expected)
        // Softmax backward: dz = p * (dp - sum(dp * p)).
        let p = probabilities.toArray(), dp = gradient.toArray(), classes = KerasLossReference.classes
        var dz = [Float](repeating: 0, count: p.count)
        for row in 0..<KerasLossReference.rows {
            let range = row * classes..<(row + 1) * classes
            let dot = range.reduce(Float(0)) { $0 + dp[$1] * p[$1] }
            for i in range { dz[i] = p[i] * (dp[i] - dot) }
        }
        let keras = try reference.tensor("softmax_head_tf_nn_eager/gradient").toArray()
        #expect(relativeError(dz, keras) <= 1e-5, "clipped path through softmax: \(relativeError(dz, keras))")
        let logitsPath = try reference.tensor("softmax_head_fit/gradient").toArray()
        #expect(relativeError(logitsPath, keras) > 0.01, "the two paths must differ on saturated rows")
        #expect(abs(expected - (try reference.loss("softmax_head_fit"))) > 1, "and in the loss")
    }

    @Test func refusesMismatchedShapes() throws {
        let output = try Tensor(shape: [2, 3])
        #expect(throws: TensorError.self) { try CategoricalCrossentropy()(output, .sparse([0])) }
        #expect(throws: TensorError.self) { try CategoricalCrossentropy()(output, .sparse([0, 3])) }
        #expect(throws: TensorError.self) { try MeanSquaredError()(output, .dense(try Tensor(shape: [3, 2]))) }
        #expect(throws: TensorError.self) { try BinaryCrossentropy()(output, .dense(try Tensor(shape: [2, 3])), gradient: try Tensor(shape: [6])) }
    }
}

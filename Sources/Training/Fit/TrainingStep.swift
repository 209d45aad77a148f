import Tensor
import Zoo

/// What a training step differentiates.
public enum StepObjective {
    /// Keras' categorical cross-entropy (a dense one-hot or soft target, or `.sparse` class indices). On a softmax
    /// head it is taken from the logits, as Keras 3 trains one (docs/keras-numerics.md §9.3); on any other output,
    /// from the probabilities, as Keras 3 does there too.
    case categoricalCrossentropy(LossTarget, sampleWeights: [Float]?)
    /// Any other loss, on the model's output.
    case loss(any Loss, LossTarget, sampleWeights: [Float]?)
    /// A given dL/d(output), for references that fix it (no loss value then).
    case outputGradient(Tensor)
}

/// One forward and backward pass.
public struct StepResult {
    /// Keras' `compute_loss`: the objective's batch mean plus every trainable weight's regularisation penalty,
    /// at the weights the pass ran with; nil for a given output gradient.
    public let loss: Float?
    /// The model's output (a softmax head's probabilities).
    public let output: Tensor
    /// Whether the gradient entered at a softmax head's logits.
    public let ofLogits: Bool
    public let gradients: ModelGradients
}

extension TrainingModel {
    /// Keras' `train_step` up to the gradients, for a model of one output: the forward pass in training mode over
    /// `inputs` (one per model input, in the graph's order), the loss and its gradient, the backward pass, and the
    /// regularisers' gradients added to the parameters'. The fit loop and the gradient parity tests both step
    /// through here.
    public func lossAndGradients(_ inputs: [Tensor], objective: StepObjective, regularization: Regularization?) throws -> StepResult {
        guard graph.outputs.count == 1 else {
            throw ModelError("a training step needs one output; the model has \(graph.outputs.count)")
        }
        let output = try forward(inputs, training: true)[0]
        let (loss, outputGradient, ofLogits) = try Self.loss(objective, output: output, logits: outputLogits[0])
        let gradients = try backward([outputGradient], ofLogits: ofLogits)
        let penalty = try regularization?.addGradients(parameters, to: gradients.parameters) ?? 0
        return StepResult(loss: loss.map { $0 + penalty }, output: output, ofLogits: ofLogits, gradients: gradients)
    }

    /// `lossAndGradients` for a model of one input.
    public func lossAndGradients(_ input: Tensor, objective: StepObjective, regularization: Regularization?) throws -> StepResult {
        try lossAndGradients([input], objective: objective, regularization: regularization)
    }

    /// The objective's loss and dL/d(output), or of the logits when `logits` are given for a cross-entropy.
    static func loss(_ objective: StepObjective, output: Tensor, logits: Tensor?) throws -> (Float?, Tensor, Bool) {
        switch objective {
        case .categoricalCrossentropy(let target, let weights):
            let (loss, gradient) = try categoricalCrossentropy(target, sampleWeights: weights, output: output, logits: logits, gradient: true)
            return (loss, gradient!, logits != nil)
        case .loss(let loss, let target, let weights):
            let gradient = try Tensor(shape: output.shape)
            return (try loss(output, target, sampleWeights: weights, gradient: gradient), gradient, false)
        case .outputGradient(let gradient):
            return (nil, gradient, false)
        }
    }

    /// Keras 3's categorical cross-entropy of a batch, from the logits when there are any; its gradient (of
    /// whichever was used) when asked.
    static func categoricalCrossentropy(_ target: LossTarget, sampleWeights: [Float]?, output: Tensor, logits: Tensor?,
                                        gradient: Bool) throws -> (Float, Tensor?) {
        let input = logits ?? output
        let gradientTensor = gradient ? try Tensor(shape: input.shape) : nil
        let loss = try CategoricalCrossentropy(fromLogits: logits != nil)(input, target, sampleWeights: sampleWeights, gradient: gradientTensor)
        return (loss, gradientTensor)
    }

    /// Keras' `test_step` loss for a batch: the forward pass in inference mode, the objective's loss plus the
    /// regularisation `penalty` (Keras adds `model.losses` in evaluation too; the weights do not change during
    /// an evaluation, so the caller computes it once for all its batches).
    public func evaluate(_ inputs: [Tensor], target: LossTarget, sampleWeights: [Float]?, penalty: Float) throws -> (loss: Float, output: Tensor) {
        let output = try forward(inputs, training: false)[0]
        let (loss, _) = try Self.categoricalCrossentropy(target, sampleWeights: sampleWeights, output: output,
                                                         logits: outputLogits[0], gradient: false)
        return (loss + penalty, output)
    }
}

extension Optimizer {
    /// The step's update: the gradients applied to the model's parameters, then its kernels rebuilt from them.
    public func apply(_ gradients: ModelGradients, to model: TrainingModel) throws {
        try apply(gradients.parameters, to: model.parameters)
        try model.parametersChanged()
    }
}

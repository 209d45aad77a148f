import Tensor

/// What Keras 3's `fit` and `evaluate` report for a compiled `loss="categorical_crossentropy", metrics=["accuracy"]`,
/// accumulated over the batches since the last reset (every epoch, every evaluation):
///
/// - `loss`: the trainer's loss tracker, a `Mean` updated with each batch's loss (regularisation included) weighted
///   by the batch's size (`sample_weight=tf.shape(x)[0]`, `keras/src/backend/tensorflow/trainer.py`), so a short
///   last batch counts for its samples only;
/// - `accuracy`: `categorical_accuracy` (argmax of the output equals argmax of the target, the first of equal
///   maxima) averaged over samples. Keras passes no sample weights to `metrics` (only to `weighted_metrics`), so
///   class weights do not weigh it.
public struct FitMetrics {
    private var lossSum = 0.0
    private var samples = 0
    private var correct = 0

    public init() {}

    public mutating func update(loss: Float, output: Tensor, target: LossTarget) {
        let rows = output.shape.first ?? 0
        lossSum += Double(loss) * Double(rows)
        samples += rows
        let predicted = ClassWeights.labels(.dense(output))
        correct += zip(predicted, ClassWeights.labels(target)).count { $0 == $1 }
    }

    public var loss: Double { samples > 0 ? lossSum / Double(samples) : .nan }
    public var accuracy: Double { samples > 0 ? Double(correct) / Double(samples) : .nan }

    /// The logs Keras writes: `loss`, `accuracy`, each name prefixed (`val_`) for an evaluation inside fit.
    public func logs(prefix: String = "") -> [String: Double] {
        ["\(prefix)loss": loss, "\(prefix)accuracy": accuracy]
    }
}

import Tensor
import Zoo

/// Keras 3's `model.fit` over a generator (`keras/src/backend/tensorflow/trainer.py`), for a softmax classifier
/// compiled with `loss="categorical_crossentropy", metrics=["accuracy"]`:
///
///     callbacks.train_begin
///     for epoch in 0..<epochs:
///         reset metrics; callbacks.epoch_begin(epoch)
///         for batch in 0..<steps_per_epoch:            the training stream continues where the last epoch stopped
///             step (forward, loss + penalty, backward, optimizer); metrics.update
///             callbacks.train_batch_end(batch, running logs); stop_training? -> leave the epoch
///         logs = loss, accuracy
///         validation: a fresh validation stream, validation_steps batches in inference mode -> val_loss, val_accuracy
///         logs.learning_rate = the rate the epoch trained at
///         callbacks.epoch_end(epoch, logs)                 (they may change the learning rate, or stop)
///         stop_training? -> end
///     callbacks.train_end
///
/// The training stream is never rewound: with `steps_per_epoch` a generator's passes and the epochs drift apart
/// (docs/training.md). The validation stream restarts at every evaluation, as Keras 3 restarts a `PyDataset`
/// (what `flow_from_directory` returns) in `evaluate`. A loss or gradient that is not finite stops the run before
/// the optimizer takes it, with the step and the first layer where it appeared (`NonFiniteError`).
///
/// A run can be resumed (what Keras' `BackupAndRestore` does, without losing the callbacks' and the random streams'
/// state): `epochEnded` receives the whole `FitState` after each epoch, and a fresh `Fit` given it back through
/// `resumingFrom` continues from the next epoch exactly as the uninterrupted run would have.
public final class Fit {
    public struct Settings: Sendable {
        public var epochs: Int
        public var stepsPerEpoch: Int
        /// Validation batches per evaluation; ignored without a validation stream.
        public var validationSteps: Int

        public init(epochs: Int, stepsPerEpoch: Int, validationSteps: Int = 0) {
            self.epochs = epochs
            self.stepsPerEpoch = stepsPerEpoch
            self.validationSteps = validationSteps
        }
    }

    public let model: TrainingModel
    public let optimizer: any Optimizer
    public let regularization: Regularization
    public let callbacks: [any Callback]

    public init(model: TrainingModel, optimizer: any Optimizer, callbacks: [any Callback] = []) throws {
        self.model = model
        self.optimizer = optimizer
        regularization = try Regularization(graph: model.graph)
        self.callbacks = callbacks
    }

    /// What callbacks may do to this run: the optimizer's learning rate, and the model's weights by parameter name.
    /// A snapshot holds only what training can change, every weight of the layers that train (their moving
    /// statistics included): a frozen base is never copied.
    public lazy var control = TrainingControl(
        learningRate: { [optimizer] in optimizer.learningRate },
        setLearningRate: { [optimizer] in optimizer.learningRate = $0 },
        snapshotWeights: { [model] in
            Dictionary(uniqueKeysWithValues: try model.changingParameters.map { ($0.name, try $0.value.copied()) })
        },
        restoreWeights: { [model] weights in
            for (name, value) in weights {
                guard let parameter = model.parameters[name] else { throw CallbackError("restoring weights: no parameter '\(name)'") }
                try parameter.value.copy(from: value)
            }
            try model.parametersChanged()
        })

    /// Runs the epochs; returns each epoch's logs as the callbacks left them (Keras' `History`).
    /// - Parameters:
    ///   - resumingFrom: the state an interrupted run saved (`epochEnded`), for this model, optimizer and callback
    ///     list; `training` is a fresh stream, which the loop moves to where the interrupted run had taken it.
    ///   - epochEnded: called after each epoch (its callbacks done) with everything needed to resume after it.
    public func run(training: some TrainingBatches, validation: (() throws -> any TrainingBatches)?,
                    settings: Settings, resumingFrom saved: FitState? = nil,
                    epochEnded: ((FitState) throws -> Void)? = nil) throws -> [[String: Double]] {
        guard settings.epochs > 0, settings.stepsPerEpoch > 0, validation == nil || settings.validationSteps > 0 else {
            throw FitError("fit needs epochs, steps per epoch and, with validation, validation steps of at least 1 (got \(settings))")
        }
        var training = training
        var history: [[String: Double]] = []
        var stepsDone = 0
        control.stopTraining = false
        for callback in callbacks { try callback.trainBegin(control: control) }
        if let saved {
            try restore(saved, settings: settings)
            try training.skip(saved.trainingBatchesTaken)
            history = saved.history
            stepsDone = saved.trainingBatchesTaken
            control.stopTraining = saved.stopped
        }
        // A callback's stop ends the run after its epoch, a resumed one's too.
        for epoch in history.count..<settings.epochs where !control.stopTraining {
            for callback in callbacks { try callback.epochBegin(epoch, control: control) }
            let learningRate = optimizer.learningRate
            var metrics = FitMetrics()
            for batchIndex in 0..<settings.stepsPerEpoch {
                let batch = try training.next()
                stepsDone += 1
                let result = try model.lossAndGradients(batch.inputs, objective: .categoricalCrossentropy(batch.target, sampleWeights: batch.sampleWeights),
                                                        regularization: regularization)
                let loss = result.loss ?? .nan
                func stop(_ problem: String) -> NonFiniteError {
                    NonFiniteError(step: stepsDone, epoch: epoch, batch: batchIndex, problem: problem)
                }
                guard loss.isFinite else { throw stop(NonFiniteDiagnosis.lossProblem(loss, inputs: batch.inputs, model: model)) }
                if let problem = NonFiniteDiagnosis.gradientProblem(result.gradients, graph: model.graph) { throw stop(problem) }
                try optimizer.apply(result.gradients, to: model)
                metrics.update(loss: loss, output: result.output, target: batch.target)
                for callback in callbacks { try callback.trainBatchEnd(batchIndex, logs: metrics.logs(), control: control) }
                if control.stopTraining { break }
            }
            var logs = metrics.logs()
            if let validation {
                logs.merge(try evaluate(validation(), steps: settings.validationSteps).logs(prefix: "val_")) { $1 }
            }
            logs["learning_rate"] = Double(learningRate)
            for callback in callbacks { try callback.epochEnd(epoch, logs: &logs, control: control) }
            history.append(logs)
            if let epochEnded { try epochEnded(try state(history: history, trainingBatchesTaken: stepsDone)) }
        }
        for callback in callbacks { try callback.trainEnd(control: control) }
        return history
    }

    /// Keras' `evaluate` inside fit: `steps` batches in inference mode, metrics from zero.
    public func evaluate(_ batches: any TrainingBatches, steps: Int) throws -> FitMetrics {
        var batches = batches
        var metrics = FitMetrics()
        let penalty = regularization.penalty(model.parameters)
        for _ in 0..<steps {
            let batch = try batches.next()
            let (loss, output) = try model.evaluate(batch.inputs, target: batch.target, sampleWeights: batch.sampleWeights,
                                                    penalty: penalty)
            metrics.update(loss: loss, output: output, target: batch.target)
        }
        return metrics
    }
}

/// A fit that cannot start as asked.
public struct FitError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

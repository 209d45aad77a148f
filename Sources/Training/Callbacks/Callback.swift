import Tensor

/// What a callback may do to the training run it watches, independent of the model class: the trainer builds one
/// from closures over its optimizer and parameters.
public final class TrainingControl {
    /// Keras' `model.stop_training`: the trainer ends after the current epoch.
    public var stopTraining = false
    private let readLearningRate: () -> Float
    private let writeLearningRate: (Float) -> Void
    /// A copy of the model's weights by parameter name (Keras' `model.get_weights()`).
    public let snapshotWeights: () throws -> [String: Tensor]
    /// Sets the model's weights from a snapshot (Keras' `model.set_weights`).
    public let restoreWeights: ([String: Tensor]) throws -> Void

    public init(learningRate: @escaping () -> Float, setLearningRate: @escaping (Float) -> Void,
                snapshotWeights: @escaping () throws -> [String: Tensor],
                restoreWeights: @escaping ([String: Tensor]) throws -> Void) {
        readLearningRate = learningRate
        writeLearningRate = setLearningRate
        self.snapshotWeights = snapshotWeights
        self.restoreWeights = restoreWeights
    }

    /// Keras' `optimizer.learning_rate` (float32).
    public var learningRate: Float {
        get { readLearningRate() }
        set { writeLearningRate(newValue) }
    }
}

/// Keras' `keras.callbacks.Callback` (`keras/src/callbacks/callback.py`), the hooks Zoo's trainer calls. Epochs
/// count from 0 as in Keras. `logs` at an epoch's end are shared along the callback list in order, as Keras' dict
/// is: a callback may add entries (ReduceLROnPlateau adds `learning_rate`) that later callbacks see.
public protocol Callback: AnyObject {
    func trainBegin(control: TrainingControl) throws
    func epochBegin(_ epoch: Int, control: TrainingControl) throws
    func trainBatchEnd(_ batch: Int, logs: [String: Double], control: TrainingControl) throws
    func epochEnd(_ epoch: Int, logs: inout [String: Double], control: TrainingControl) throws
    func trainEnd(control: TrainingControl) throws
}

extension Callback {
    public func trainBegin(control: TrainingControl) throws {}
    public func epochBegin(_ epoch: Int, control: TrainingControl) throws {}
    public func trainBatchEnd(_ batch: Int, logs: [String: Double], control: TrainingControl) throws {}
    public func epochEnd(_ epoch: Int, logs: inout [String: Double], control: TrainingControl) throws {}
    public func trainEnd(control: TrainingControl) throws {}
}

public struct CallbackError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Keras' `MonitorCallback` (`keras/src/callbacks/monitor_callback.py`): which way a monitored value improves
/// and by how much it must.
public struct Monitor: Sendable {
    public enum Mode: String, Sendable { case auto, min, max }

    public let name: String
    public let minimizes: Bool
    /// `abs(min_delta)`, negated when minimising, as Keras stores it.
    public let minDelta: Double

    /// `auto` minimises a loss (`loss`, `val_loss`) and maximises an accuracy; Keras reads the direction from the
    /// metric object, and refuses, as here, a name it cannot tell.
    public init(_ name: String, mode: Mode, minDelta: Double) throws {
        self.name = name
        switch mode {
        case .min: minimizes = true
        case .max: minimizes = false
        case .auto:
            let metric = name.hasPrefix("val_") ? String(name.dropFirst(4)) : name
            if metric == "loss" || metric.hasSuffix("_loss") || metric.hasSuffix("error") {
                minimizes = true
            } else if metric.contains("accuracy") || metric == "acc" || metric == "auc" {
                minimizes = false
            } else {
                throw CallbackError("monitor '\(name)': cannot tell whether it should be minimised or maximised; pass mode min or max")
            }
        }
        self.minDelta = minimizes ? -abs(minDelta) : abs(minDelta)
    }

    /// `_is_improvement`: `monitor_op(current - min_delta, reference)`, true without a reference. Keras' `ops.less`
    /// compares float32 tensors: the Python floats are rounded to float32 first, so here too.
    public func isImprovement(_ current: Double, over reference: Double?) -> Bool {
        guard let reference else { return true }
        let value = Float(current - minDelta), bound = Float(reference)
        return minimizes ? value < bound : value > bound
    }
}

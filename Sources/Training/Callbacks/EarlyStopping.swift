import Tensor

/// Keras 3's `EarlyStopping` (`keras/src/callbacks/early_stopping.py`), step for step. Per epoch, from
/// `start_from_epoch` on and when the monitored value is logged:
///
///     if restore_best_weights and no best weights yet: best_weights = weights now
///     wait += 1
///     if improvement over best: best = current; best_weights = weights (if restoring)
///         wait = 0 only if there is no baseline or current also improves on it; done
///     if wait >= patience and epoch > 0: stop
///
/// The subtle parts, as Keras 3 has them: `best` starts empty at every train begin (the baseline is only the
/// second test above, not the first reference); the best weights are restored at train END whenever
/// `restore_best_weights` is set and any were recorded, whether or not training stopped early (tf-keras 2.21
/// does the same; the Keras 2.2 era restored only when it stopped, at the stopping epoch); and the epoch-0 guard means training never stops
/// after the first epoch.
public final class EarlyStopping: Callback {
    public let monitor: Monitor
    public let patience: Int
    public let baseline: Double?
    public let restoreBestWeights: Bool
    public let startFromEpoch: Int
    public private(set) var wait = 0
    public private(set) var best: Double?
    private var bestWeights: [String: Tensor]?

    /// Keras' defaults.
    public init(monitor: String = "val_loss", minDelta: Double = 0, patience: Int = 0, mode: Monitor.Mode = .auto,
                baseline: Double? = nil, restoreBestWeights: Bool = false, startFromEpoch: Int = 0) throws {
        self.monitor = try Monitor(monitor, mode: mode, minDelta: minDelta)
        self.patience = patience
        self.baseline = baseline
        self.restoreBestWeights = restoreBestWeights
        self.startFromEpoch = startFromEpoch
    }

    public func trainBegin(control: TrainingControl) throws {
        wait = 0
        best = nil
        bestWeights = nil
    }

    public func epochEnd(_ epoch: Int, logs: inout [String: Double], control: TrainingControl) throws {
        guard let current = logs[monitor.name], epoch >= startFromEpoch else { return }
        if restoreBestWeights && bestWeights == nil {
            bestWeights = try control.snapshotWeights()
        }
        wait += 1
        if monitor.isImprovement(current, over: best) {
            best = current
            if restoreBestWeights { bestWeights = try control.snapshotWeights() }
            if baseline == nil || monitor.isImprovement(current, over: baseline) { wait = 0 }
            return
        }
        if wait >= patience && epoch > 0 {
            control.stopTraining = true
        }
    }

    public func trainEnd(control: TrainingControl) throws {
        if restoreBestWeights, let bestWeights { try control.restoreWeights(bestWeights) }
    }
}

extension EarlyStopping: StatefulCallback {
    /// `best_weights` travel as the state's weights; an empty set is Keras' `None` (no best recorded yet).
    public func state() throws -> CallbackState {
        CallbackState(values: ["wait": Double(wait)].merging(best.map { ["best": $0] } ?? [:]) { $1 },
                      weights: try bestWeights?.mapValues { try $0.copied() } ?? [:])
    }

    public func restore(_ state: CallbackState) throws {
        wait = try state.count("wait", of: "EarlyStopping")
        best = state.values["best"]
        bestWeights = state.weights.isEmpty ? nil : try state.weights.mapValues { try $0.copied() }
    }
}

/// Keras 3's `ModelCheckpoint` (`keras/src/callbacks/model_checkpoint.py`) with `save_freq="epoch"`: at each
/// epoch's end, `save(epoch, logs)` unless `saveBestOnly` and the monitored value does not improve on the best so
/// far (`initialValueThreshold` at first; unlike EarlyStopping, never reset at train begin). A missing monitored
/// value saves anyway, as Keras does (with a warning). The file format, its name and atomic writing are the
/// closure's business.
public final class ModelCheckpoint: Callback {
    public let monitor: Monitor
    public let saveBestOnly: Bool
    public private(set) var best: Double?
    private let save: (Int, [String: Double]) throws -> Void

    public init(monitor: String = "val_loss", saveBestOnly: Bool = false, mode: Monitor.Mode = .auto,
                initialValueThreshold: Double? = nil, save: @escaping (_ epoch: Int, _ logs: [String: Double]) throws -> Void) throws {
        self.monitor = try Monitor(monitor, mode: mode, minDelta: 0)
        self.saveBestOnly = saveBestOnly
        best = initialValueThreshold
        self.save = save
    }

    public func epochEnd(_ epoch: Int, logs: inout [String: Double], control: TrainingControl) throws {
        if saveBestOnly, let current = logs[monitor.name] {
            guard monitor.isImprovement(current, over: best) else { return }
            best = current
        }
        try save(epoch, logs)
    }
}

/// The best value so far. What `save` wrote (the best weights) is the closure's: files it writes outlive the run.
extension ModelCheckpoint: StatefulCallback {
    public func state() throws -> CallbackState {
        CallbackState(values: best.map { ["best": $0] } ?? [:])
    }

    public func restore(_ state: CallbackState) throws {
        best = state.values["best"]
    }
}

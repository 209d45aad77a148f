/// Keras 3's `ReduceLROnPlateau` (`keras/src/callbacks/reduce_lr_on_plateau.py`), step for step:
///
///     logs["learning_rate"] = lr                       (before any change, as Keras logs it)
///     if in cooldown: cooldown_counter -= 1; wait = 0
///     if improvement over best (by min_delta): best = current; wait = 0
///     elif not in cooldown: wait += 1
///         if wait >= patience and old_lr > float32(min_lr):
///             lr = max(old_lr * factor, min_lr); cooldown_counter = cooldown; wait = 0
///
/// `old_lr` is the optimizer's float32 rate widened to Double, the product is taken in Double and stored as
/// float32, as Keras assigns a Python float to a float32 variable. Counters reset at train begin.
public final class ReduceLROnPlateau: Callback {
    public let monitor: Monitor
    public let factor: Double
    public let patience: Int
    public let cooldown: Int
    public let minLR: Double
    public private(set) var best: Double?
    public private(set) var wait = 0
    public private(set) var cooldownCounter = 0

    /// Keras' defaults.
    public init(monitor: String = "val_loss", factor: Double = 0.1, patience: Int = 10, mode: Monitor.Mode = .auto,
                minDelta: Double = 1e-4, cooldown: Int = 0, minLR: Double = 0) throws {
        guard factor < 1 else { throw CallbackError("ReduceLROnPlateau does not support a factor >= 1.0 (\(factor))") }
        self.monitor = try Monitor(monitor, mode: mode, minDelta: minDelta)
        self.factor = factor
        self.patience = patience
        self.cooldown = cooldown
        self.minLR = minLR
    }

    public func trainBegin(control: TrainingControl) throws {
        best = nil
        wait = 0
        cooldownCounter = 0
    }

    public func epochEnd(_ epoch: Int, logs: inout [String: Double], control: TrainingControl) throws {
        logs["learning_rate"] = Double(control.learningRate)
        guard let current = logs[monitor.name] else { return }  // Keras warns and skips
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            wait = 0
        }
        if monitor.isImprovement(current, over: best) {
            best = current
            wait = 0
        } else if cooldownCounter <= 0 {
            wait += 1
            let oldLR = Double(control.learningRate)
            if wait >= patience, oldLR > Double(Float(minLR)) {
                control.learningRate = Float(max(oldLR * factor, minLR))
                cooldownCounter = cooldown
                wait = 0
            }
        }
    }
}

extension ReduceLROnPlateau: StatefulCallback {
    public func state() throws -> CallbackState {
        CallbackState(values: ["wait": Double(wait), "cooldown_counter": Double(cooldownCounter)].merging(best.map { ["best": $0] } ?? [:]) { $1 })
    }

    public func restore(_ state: CallbackState) throws {
        wait = try state.count("wait", of: "ReduceLROnPlateau")
        cooldownCounter = try state.count("cooldown_counter", of: "ReduceLROnPlateau")
        best = state.values["best"]
    }
}

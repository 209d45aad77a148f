import Foundation
import Training

/// Adds Keras 2.2's metric names (`acc`, `val_acc`) beside Keras 3's (`accuracy`, `val_accuracy`), so the
/// notebooks' callbacks find what they monitored; the VGG notebooks' `"'val_acc'"` (quotes included) still finds
/// nothing, as in Keras, and their EarlyStopping never stops.
final class KerasTwoMetricNames: Callback {
    func epochEnd(_ epoch: Int, logs: inout [String: Double], control: TrainingControl) throws {
        if let accuracy = logs["accuracy"] { logs["acc"] = accuracy }
        if let accuracy = logs["val_accuracy"] { logs["val_acc"] = accuracy }
    }
}

/// Each epoch's wall time, training and validation together, in the logs as `seconds`.
final class EpochTiming: Callback {
    private var start = Date()

    func epochBegin(_ epoch: Int, control: TrainingControl) throws { start = Date() }

    func epochEnd(_ epoch: Int, logs: inout [String: Double], control: TrainingControl) throws {
        logs["seconds"] = Date().timeIntervalSince(start)
    }
}

extension Recipe.Callbacks {
    /// The callbacks a run trains with. The seed protocol takes the recipe's verbatim: its checkpoint remembers the
    /// best epoch but, as in the notebooks, the last epoch's model is the one evaluated. The clean protocol keeps the
    /// learning-rate schedule and selects the model on validation loss (EarlyStopping restoring the best weights).
    func make(for benchProtocol: BenchProtocol, epochs: Int) throws -> [any Callback] {
        var callbacks: [any Callback] = [KerasTwoMetricNames()]
        if let plateau = reduceLROnPlateau {
            callbacks.append(try ReduceLROnPlateau(monitor: plateau.monitor, factor: plateau.factor, patience: plateau.patience,
                                                   minDelta: plateau.minDelta, cooldown: plateau.cooldown, minLR: plateau.minLR))
        }
        switch benchProtocol {
        case .seed:
            if let checkpoint = modelCheckpoint {
                callbacks.append(try ModelCheckpoint(monitor: checkpoint.monitor, saveBestOnly: true,
                                                     mode: Self.kerasTwoMode(checkpoint.mode, monitor: checkpoint.monitor)) { _, _ in })
            }
            if let stopping = earlyStopping {
                callbacks.append(try EarlyStopping(monitor: stopping.monitor, patience: stopping.patience,
                                                   mode: Self.kerasTwoMode(stopping.mode, monitor: stopping.monitor)))
            }
        case .clean:
            callbacks.append(try EarlyStopping(monitor: "val_loss", patience: earlyStopping?.patience ?? epochs,
                                               mode: .min, restoreBestWeights: true))
        }
        return callbacks
    }

    /// Keras 2.2's `mode='auto'`: maximise whatever has `acc` in its name (even `"'val_acc'"`), minimise the rest.
    static func kerasTwoMode(_ mode: String, monitor: String) -> Monitor.Mode {
        guard let mode = Monitor.Mode(rawValue: mode), mode != .auto else { return monitor.contains("acc") ? .max : .min }
        return mode
    }
}

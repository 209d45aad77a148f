import Foundation
import Tensor
import Testing
import Training

/// Zoo's callbacks against Keras 3's, driven over the same scripted epoch logs (the reference runs the real
/// Keras callbacks through a `CallbackList`): the learning rate after every epoch, when training stops, which
/// epoch's weights are in place at the end, which epochs were saved, and the CSV text byte for byte.
@Suite struct CallbackKerasTests {
    /// The callbacks of each scenario as `loss_callback_reference.py`'s SCENARIOS builds them in Keras.
    static func callbacks(_ scenario: String, csv: URL, saved: @escaping (Int) -> Void) throws -> [any Callback] {
        let save: (Int, [String: Double]) throws -> Void = { epoch, _ in saved(epoch + 1) }  // Keras names files by epoch + 1
        switch scenario {
        // The seed recipes' settings (Benchmarks/recipes/*-tb.json; SeedProtocolTests checks they are these).
        case "notebook_reduce_lr":
            return [try ReduceLROnPlateau(monitor: "val_loss", factor: 0.8, patience: 10, minDelta: 1e-4, cooldown: 5, minLR: 1e-4)]
        case "reduce_lr": return [try ReduceLROnPlateau(factor: 0.5, patience: 2, minDelta: 1e-3, cooldown: 1, minLR: 0.01)]
        case "reduce_lr_max": return [try ReduceLROnPlateau(monitor: "val_accuracy", factor: 0.2, patience: 1, mode: .max, minLR: 0.001)]
        case "early_stopping_restore": return [try EarlyStopping(minDelta: 0.001, patience: 3, restoreBestWeights: true)]
        case "early_stopping_baseline":
            return [try EarlyStopping(patience: 20, baseline: 0.86, restoreBestWeights: true, startFromEpoch: 2)]
        case "early_stopping_max": return [try EarlyStopping(monitor: "val_accuracy", patience: 4, mode: .max)]
        case "checkpoint_best": return [try ModelCheckpoint(saveBestOnly: true, save: save)]
        case "checkpoint_best_max": return [try ModelCheckpoint(monitor: "val_accuracy", saveBestOnly: true, mode: .max, save: save)]
        case "all_together":
            return [try ReduceLROnPlateau(factor: 0.5, patience: 1), try EarlyStopping(patience: 4, restoreBestWeights: true),
                    try ModelCheckpoint(saveBestOnly: true, save: save), CSVLogger(url: csv)]
        case "csv_no_validation": return [CSVLogger(url: csv)]
        case "csv_append": return [CSVLogger(url: csv, append: true)]
        default: throw CallbackError("no scenario \(scenario)")
        }
    }

    @Test(arguments: ["notebook_reduce_lr", "reduce_lr", "reduce_lr_max", "early_stopping_restore", "early_stopping_baseline", "early_stopping_max",
                      "checkpoint_best", "checkpoint_best_max", "all_together", "csv_no_validation", "csv_append"])
    func matchesKeras(scenario: String) throws {
        let reference = try KerasLossReference.shared.get()
        let expected = try #require(reference.listing.callbacks[scenario])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-callbacks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = directory.appendingPathComponent("\(scenario).csv")
        if scenario == "csv_append" { try Data("epoch,loss\r\n0,9.5\r\n".utf8).write(to: csv) }

        // The "model": a learning rate and one weight tensor holding the epoch number, as the reference sets it.
        var learningRate = Float(reference.listing.initial_learning_rate)
        var weights = ["dense/bias": try Tensor(shape: [1])]
        let control = TrainingControl(learningRate: { learningRate }, setLearningRate: { learningRate = $0 },
                                      snapshotWeights: { try weights.mapValues { try $0.copied() } },
                                      restoreWeights: { weights = $0 })
        var saved: [Int] = []
        let callbacks = try Self.callbacks(scenario, csv: csv) { saved.append($0) }
        var rates: [Double] = []
        for callback in callbacks { try callback.trainBegin(control: control) }
        let validationLosses = expected.val_loss ?? reference.listing.val_loss
        for epoch in validationLosses.indices {
            weights["dense/bias"] = try Tensor(shape: [1], values: [Float(epoch)])
            for callback in callbacks { try callback.epochBegin(epoch, control: control) }
            var logs: [String: Double]
            if let losses = expected.val_loss {
                logs = ["loss": 1, "val_loss": losses[epoch], "val_accuracy": 0.5]
            } else {
                logs = ["loss": reference.listing.loss[epoch]]
                if scenario != "csv_no_validation" {
                    logs["val_loss"] = reference.listing.val_loss[epoch]
                    logs["val_accuracy"] = reference.listing.val_accuracy[epoch]
                }
            }
            for callback in callbacks { try callback.epochEnd(epoch, logs: &logs, control: control) }
            rates.append(Double(learningRate))
            if control.stopTraining { break }
        }
        for callback in callbacks { try callback.trainEnd(control: control) }

        #expect(rates == expected.learning_rates, "\(scenario): learning rates")
        #expect(rates.count == expected.epochs_run && control.stopTraining == expected.stopped, "\(scenario): stopping")
        #expect(Double(try #require(weights["dense/bias"]).toArray()[0]) == expected.weights_epoch, "\(scenario): final weights")
        #expect(saved == expected.saved_epochs, "\(scenario): saved epochs")
        if let text = expected.csv {
            #expect(try String(contentsOf: csv, encoding: .utf8) == text, "\(scenario): CSV")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["\(scenario).csv"], "no temporary file left")
        }
    }

    @Test func refusesUnusableArguments() {
        #expect(throws: CallbackError.self) { try ReduceLROnPlateau(factor: 1) }
        #expect(throws: CallbackError.self) { try EarlyStopping(monitor: "val_mystery") }
    }
}

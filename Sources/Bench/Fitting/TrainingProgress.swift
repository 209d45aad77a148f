import Foundation
import Training

/// A fit's lines on standard error (`zoo train`, `zoo bench`): a progress line after training batches (`ProgressReporter`:
/// at most twice a second and at each epoch's last batch, with the epoch's running loss and accuracy), and one
/// line per epoch with its logs as the callbacks saw them.
public final class TrainingProgress: Callback {
    private let epochs: Int
    private let steps: Int
    private var epoch: ProgressReporter?

    /// `steps`: training batches per epoch.
    public init(epochs: Int, steps: Int) {
        self.epochs = epochs
        self.steps = steps
    }

    public func epochBegin(_ epoch: Int, control: TrainingControl) throws {
        self.epoch = ProgressReporter("epoch \(epoch + 1)/\(epochs)", total: steps, unit: "steps")
    }

    public func trainBatchEnd(_ batch: Int, logs: [String: Double], control: TrainingControl) throws {
        epoch?.advance(detail: Self.describe(logs, keys: ["loss", "accuracy"]))
    }

    public func epochEnd(_ epoch: Int, logs: inout [String: Double], control: TrainingControl) throws {
        FileHandle.standardError.write(Data("epoch \(epoch + 1)/\(epochs): \(Self.describe(logs))\n".utf8))
    }

    /// `loss 0.6931, accuracy 0.5, ...`: the logs named in `keys` that are there, in that order.
    public static func describe(_ logs: [String: Double], keys: [String] = ["loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"]) -> String {
        keys.compactMap { key in logs[key].map { "\(key) \(String(format: "%.4g", $0))" } }.joined(separator: ", ")
    }
}

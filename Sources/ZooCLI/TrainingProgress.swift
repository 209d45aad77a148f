import Bench
import Foundation
import Training

/// `zoo train`'s lines on standard error: a progress line after training batches (at most twice a second, and at
/// each epoch's last batch), and one line per epoch with its logs as the callbacks saw them.
final class TrainingProgress: Callback {
    private let write: (String) -> Void
    private let epochs: Int
    private var lastPrinted = Date.distantPast

    init(epochs: Int, write: @escaping (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        self.epochs = epochs
        self.write = write
    }

    /// For `Fit.progress`.
    func report(_ progress: Fit.Progress) {
        let now = Date()
        guard progress.step == progress.steps || now.timeIntervalSince(lastPrinted) >= 0.5 else { return }
        lastPrinted = now
        write("epoch \(progress.epoch)/\(progress.epochs) step \(progress.step)/\(progress.steps): "
              + "loss \(Self.number(progress.loss)) acc \(Self.number(progress.accuracy)), "
              + String(format: "%.1f images/s, ETA ", progress.imagesPerSecond)
              + (progress.secondsLeft.isFinite ? ProgressReporter.clock(progress.secondsLeft) : "?"))
    }

    func epochEnd(_ epoch: Int, logs: inout [String: Double], control: TrainingControl) throws {
        let order = ["loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"]
        write("epoch \(epoch + 1)/\(epochs): " + order.compactMap { key in logs[key].map { "\(key) \(Self.number($0))" } }.joined(separator: ", "))
    }

    static func number(_ value: Double) -> String { String(format: "%.4g", value) }
}

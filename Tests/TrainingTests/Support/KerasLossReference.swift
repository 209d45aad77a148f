import Converter
import Foundation
import Tensor
import TestSupport

/// What `training/loss_callback_reference.py` wrote: Keras 3's losses and gradients, regularisers, initialiser
/// statistics and callback runs. Generated once per test run (one Python process: TensorFlow's start-up dominates).
final class KerasLossReference: @unchecked Sendable {
    struct Listing: Decodable {
        struct Value: Decodable { let loss: Double }
        struct LossInputs: Decodable { let labels: [Int]; let class_weight: [String: Float]; let sample_weights: [Float] }
        struct Penalty: Decodable { let penalty: Double }
        struct InitializerStatistics: Decodable {
            let initializer: String
            let shape: [Int]
            let fan_in: Double
            let fan_out: Double
            let count: Int
            let mean: Double
            let std: Double
            let min: Double
            let max: Double
        }
        struct CallbackRun: Decodable {
            let learning_rates: [Double]
            let epochs_run: Int
            let weights_epoch: Double
            let saved_epochs: [Int]
            let stopped: Bool
            let csv: String?
            /// The scenario's own validation losses, where it needs a longer run than `val_loss`.
            let val_loss: [Double]?
        }
        let losses: [String: Value]
        let loss_inputs: LossInputs
        let regularizers: [String: Penalty]
        let initializers: [InitializerStatistics]
        let callbacks: [String: CallbackRun]
        let val_loss: [Double]
        let loss: [Double]
        let val_accuracy: [Double]
        let initial_learning_rate: Double
    }

    static let shared = Result { try KerasLossReference() }

    static let rows = 6, classes = 5

    let listing: Listing
    let file: SafetensorsFile

    private init() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }  // the safetensors file stays mapped
        try TestEnvironment.generateReference("training/loss_callback_reference.py", into: directory)
        listing = try JSONDecoder().decode(Listing.self, from: Data(contentsOf: directory.appendingPathComponent("losses.json")))
        file = try SafetensorsFile(path: directory.appendingPathComponent("losses.safetensors").path)
    }

    /// A (rows, classes) tensor: `logits`, `probabilities`, `onehot`, `<case>/gradient`, ...
    func tensor(_ name: String, shape: [Int] = [rows, classes]) throws -> Tensor {
        try file.tensor(named: name, shape: shape)
    }

    func loss(_ name: String) throws -> Double {
        guard let value = listing.losses[name] else {
            throw TestEnvironment.Missing(description: "loss_callback_reference.py wrote no loss case '\(name)'")
        }
        return value.loss
    }
}

/// Max |a - e| / max(1, max |e|) over two equally long arrays.
func relativeError(_ actual: [Float], _ expected: [Float]) -> Float {
    precondition(actual.count == expected.count)
    let scale = max(1, expected.map(abs).max() ?? 0)
    return zip(actual, expected).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
}

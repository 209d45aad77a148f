import Converter
import Foundation
import Tensor
import Testing
import TestSupport
import Training
import Zoo

/// The fit loop against Keras 3's own `model.fit` (training/fit_reference.py): the same tiny CNN (L2-regularised
/// convolution and head, a trainable BatchNormalization), the same batches from an endless generator whose pass
/// (4 batches of 4, 3, 4, 2) is not an epoch (3 steps), a validation set Keras restarts at every evaluation, and
/// Adam; once with a ReduceLROnPlateau that halves the learning rate twice, once with an EarlyStopping that stops
/// after the second epoch and restores the first one's weights. Compared: every epoch's logs, and every weight at
/// the end, moving statistics included.
@Suite(.serialized) struct FitKerasTests {
    /// Per-epoch loss and val_loss: |Δ| / |ref|. Both sides sum float32 losses in a different order, over weights
    /// that drift apart by float32 rounding step after step (measured at most 2e-7 on AMD EPYC Zen 3).
    static let lossTolerance = 1e-5
    /// Final weights: max |Δ| / max |ref| per weight, as the gradient parity tests (measured at most 2.1e-6).
    static let weightTolerance = 1e-4

    struct Listing: Decodable {
        let history: [String: [Double]]
        let stopped_history: [String: [Double]]
        let train_batches: Int
        let validation_batches: Int
        let steps_per_epoch: Int
        let epochs: Int
        let validation_steps: Int
        let learning_rate: Double
        let plateau: Plateau
        let stopping: Stopping
        let stopping_epochs: Int
        struct Plateau: Decodable { let monitor: String; let factor: Double; let patience: Int; let min_delta: Double }
        struct Stopping: Decodable { let monitor: String; let min_delta: Double; let patience: Int; let restore_best_weights: Bool }
    }

    /// The reference's batches, cycled endlessly (its training generator), or from the start (its validation set).
    struct Cycle: TrainingBatches {
        let batches: [TrainingBatch]
        var position = 0

        mutating func next() throws -> TrainingBatch {
            defer { position = (position + 1) % batches.count }
            return batches[position]
        }
    }

    /// One Python run for both tests: TensorFlow's start-up dominates.
    final class Reference: @unchecked Sendable {
        static let shared = Result { try Reference() }

        let directory: URL
        let listing: Listing
        let file: SafetensorsFile
        let model: SafetensorsFile

        private init() throws {
            directory = try Converting.temporaryDirectory()
            try TestEnvironment.generateReference("training/fit_reference.py", into: directory)
            listing = try JSONDecoder().decode(Listing.self, from: Data(contentsOf: directory.appendingPathComponent("fit.json")))
            file = try SafetensorsFile(path: directory.appendingPathComponent("fit.safetensors").path)
            let converted = directory.appendingPathComponent("initial.safetensors").path
            let conversion = try Converting.convert(directory.appendingPathComponent("initial.keras").path, arch: nil, to: converted)
            guard conversion.status == 0 else { throw TestEnvironment.Missing(description: "zoo convert failed: \(conversion.stderr)") }
            model = try SafetensorsFile(path: converted)
        }

        deinit { try? FileManager.default.removeItem(at: directory) }  // the files stay mapped

        func tensor(_ key: String) throws -> Tensor {
            guard let info = file.tensor(named: key) else { throw TestEnvironment.Missing(description: "no '\(key)' in the reference") }
            return try Tensor(shape: info.shape, values: file.floats(of: info))
        }

        func batches(_ split: String, _ count: Int) throws -> [TrainingBatch] {
            try (0..<count).map { TrainingBatch(inputs: try tensor("\(split)/\($0)/input"), target: .dense(try tensor("\(split)/\($0)/labels"))) }
        }

        /// Zoo's fit from the reference's initial weights with `callback`, over up to `epochs`: the History and the model.
        func fit(_ callback: any Callback, epochs: Int) throws -> (history: [[String: Double]], model: TrainingModel) {
            let graph = try Model.graph(in: model)
            let training = try TrainingModel(graph: graph, parameters: try ParameterStore(graph: graph, weights: model))
            let fit = try Fit(model: training, optimizer: Adam(learningRate: Float(listing.learning_rate)), callbacks: [callback])
            let validation = try batches("validation", listing.validation_batches)
            let history = try fit.run(training: Cycle(batches: try batches("train", listing.train_batches)),
                                      validation: { Cycle(batches: validation) },
                                      settings: .init(epochs: epochs, stepsPerEpoch: listing.steps_per_epoch,
                                                      validationSteps: listing.validation_steps))
            return (history, training)
        }

        /// Every log Keras wrote, epoch by epoch; Zoo also logs the learning rate when Keras does not (no
        /// ReduceLROnPlateau), which must then be the initial rate throughout.
        func compare(_ history: [[String: Double]], with expected: [String: [Double]], run: String) {
            #expect(history.count == expected.values.first?.count, "\(run): epochs run")
            var expected = expected
            if expected["learning_rate"] == nil {
                expected["learning_rate"] = Array(repeating: Double(Float(listing.learning_rate)), count: history.count)
            }
            #expect(Set(history.first?.keys ?? [:].keys) == Set(expected.keys), "\(run): the logs Keras writes")
            FitKerasTests.compareHistory(history, with: expected, run: run)
        }

        func compareWeights(_ model: TrainingModel, prefix: String) throws {
            for parameter in model.parameters.parameters {
                let error = GradientParityTests.error(parameter.value.toArray(), try tensor("\(prefix)/\(parameter.name)").toArray())
                #expect(error <= FitKerasTests.weightTolerance, "\(prefix): \(parameter.name): normalised error \(error)")
            }
        }
    }

    /// Each epoch's logged value of every key Keras logged: losses within `lossTolerance` (relative), accuracies
    /// (counts over samples) and learning rates (float32 values) exact to float32.
    static func compareHistory(_ history: [[String: Double]], with expected: [String: [Double]], run: String) {
        for (key, values) in expected.sorted(by: { $0.key < $1.key }) {
            for (epoch, (actual, reference)) in zip(history.map { $0[key] ?? .nan }, values).enumerated() {
                if key.hasSuffix("loss") {
                    #expect(abs(actual - reference) / abs(reference) <= lossTolerance, "\(run): epoch \(epoch) \(key): \(actual), Keras \(reference)")
                } else {
                    #expect(Float(actual) == Float(reference), "\(run): epoch \(epoch) \(key): \(actual), Keras \(reference)")
                }
            }
        }
    }

    @Test func learningRateOnPlateauMatchesKeras() throws {
        let reference = try Reference.shared.get()
        let plateau = reference.listing.plateau
        let (history, model) = try reference.fit(try ReduceLROnPlateau(monitor: plateau.monitor, factor: plateau.factor,
                                                                       patience: plateau.patience, minDelta: plateau.min_delta),
                                                 epochs: reference.listing.epochs)
        reference.compare(history, with: reference.listing.history, run: "ReduceLROnPlateau")
        try reference.compareWeights(model, prefix: "final")
    }

    @Test func earlyStoppingMatchesKeras() throws {
        let reference = try Reference.shared.get()
        let stopping = reference.listing.stopping
        let (history, model) = try reference.fit(try EarlyStopping(monitor: stopping.monitor, minDelta: stopping.min_delta, patience: stopping.patience,
                                                                   restoreBestWeights: stopping.restore_best_weights),
                                                 epochs: reference.listing.stopping_epochs)
        #expect(history.count < reference.listing.stopping_epochs, "stopped early")
        reference.compare(history, with: reference.listing.stopped_history, run: "EarlyStopping")
        try reference.compareWeights(model, prefix: "stopped")
    }
}

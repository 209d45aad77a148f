import Converter
import Foundation
import Tensor
import Testing
import TestSupport
import Training
import Zoo

/// The fit loop against Keras 3's own `model.fit` (training/fit_reference.py): the same tiny CNN (L2-regularised
/// convolution and head, a trainable BatchNormalization), the same batches from an endless generator whose pass
/// (4 batches of 4, 3, 4, 2) is not an epoch (3 steps), a validation set Keras restarts at every evaluation, Adam,
/// and a ReduceLROnPlateau that halves the learning rate twice. Compared: every epoch's logs and every weight after
/// the 9 steps, moving statistics included.
@Suite(.serialized) struct FitKerasTests {
    /// Per-epoch loss and val_loss: |Δ| / |ref|. Both sides sum float32 losses in a different order, over weights
    /// that drift apart by float32 rounding step after step (measured at most 2e-7 on AMD EPYC Zen 3).
    static let lossTolerance = 1e-5
    /// Final weights: max |Δ| / max |ref| per weight, as the gradient parity tests (measured at most 2.1e-6).
    static let weightTolerance = 1e-4

    struct Listing: Decodable {
        let history: [String: [Double]]
        let train_batches: Int
        let validation_batches: Int
        let steps_per_epoch: Int
        let epochs: Int
        let validation_steps: Int
        let learning_rate: Double
        let plateau: Plateau
        struct Plateau: Decodable { let monitor: String; let factor: Double; let patience: Int; let min_delta: Double }
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

    @Test func historyAndWeightsMatchKeras() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let generation = try TestEnvironment.runPython("training/fit_reference.py", [directory.path])
        try #require(generation.status == 0, "fit_reference.py failed (status \(generation.status)):\n\(generation.stderr.suffix(2000))")
        let listing = try JSONDecoder().decode(Listing.self, from: Data(contentsOf: directory.appendingPathComponent("fit.json")))
        let reference = try SafetensorsFile(path: directory.appendingPathComponent("fit.safetensors").path)
        func tensor(_ key: String) throws -> Tensor {
            let info = try #require(reference.tensor(named: key), "no '\(key)' in the reference")
            return try Tensor(shape: info.shape, values: reference.floats(of: info))
        }
        func batches(_ split: String, _ count: Int) throws -> [TrainingBatch] {
            try (0..<count).map { TrainingBatch(inputs: try tensor("\(split)/\($0)/input"), target: .dense(try tensor("\(split)/\($0)/labels"))) }
        }

        let converted = directory.appendingPathComponent("initial.safetensors").path
        let conversion = try Converting.convert(directory.appendingPathComponent("initial.keras").path, arch: nil, to: converted)
        try #require(conversion.status == 0, "zoo convert failed: \(conversion.stderr)")
        let file = try SafetensorsFile(path: converted)
        let graph = try Model.graph(in: file)
        let model = try TrainingModel(graph: graph, parameters: try ParameterStore(graph: graph, weights: file))
        let plateau = try ReduceLROnPlateau(monitor: listing.plateau.monitor, factor: listing.plateau.factor,
                                            patience: listing.plateau.patience, minDelta: listing.plateau.min_delta)
        let fit = try Fit(model: model, optimizer: Adam(learningRate: Float(listing.learning_rate)), callbacks: [plateau])
        let validation = try batches("validation", listing.validation_batches)
        let history = try fit.run(training: Cycle(batches: try batches("train", listing.train_batches)),
                                  validation: { Cycle(batches: validation) },
                                  settings: .init(epochs: listing.epochs, stepsPerEpoch: listing.steps_per_epoch,
                                                  validationSteps: listing.validation_steps))

        try #require(history.count == listing.epochs, "epochs run")
        for (key, expected) in listing.history.sorted(by: { $0.key < $1.key }) {
            let actual = history.map { $0[key] ?? .nan }
            for (epoch, (a, e)) in zip(actual, expected).enumerated() {
                if key.hasSuffix("loss") {
                    #expect(abs(a - e) / abs(e) <= Self.lossTolerance, "epoch \(epoch) \(key): \(a), Keras \(e)")
                } else {
                    // Accuracies are counts over samples, learning rates float32 values: both exact (to float32).
                    #expect(Float(a) == Float(e), "epoch \(epoch) \(key): \(a), Keras \(e)")
                }
            }
        }
        #expect(Set(history[0].keys) == Set(listing.history.keys), "the logs Keras writes")
        for parameter in model.parameters.parameters {
            let expected = try tensor("final/\(parameter.name)").toArray()
            let error = GradientParityTests.error(parameter.value.toArray(), expected)
            #expect(error <= Self.weightTolerance, "\(parameter.name) after fit: normalised error \(error)")
        }
    }
}

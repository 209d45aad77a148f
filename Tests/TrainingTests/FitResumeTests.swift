import Converter
import Foundation
import Tensor
import Testing
import Training
import Zoo

/// A fit interrupted after an epoch and resumed from its saved state, in a fresh model, optimizer and callback list,
/// ends exactly where the uninterrupted fit ends: history, weights, moving statistics, optimizer and callbacks.
@Suite struct FitResumeTests {
    static let epochs = 6, stepsPerEpoch = 4, seed: UInt64 = 7

    /// dense -> BatchNormalization (Keras 2.2's zero-debiased statistics) -> dropout -> softmax.
    static func model() throws -> TrainingModel {
        var builder = GraphBuilder(name: "resumable")
        var x = try builder.input("input", shape: [6])
        x = try builder.dense("hidden", x, units: 8, activation: "relu")
        x = try builder.batchNorm("norm", x)
        x = try builder.dropout("dropout", x, rate: 0.3)
        let output = try builder.dense("output", x, units: 2, activation: "softmax")
        let graph = builder.build(outputs: [output])
        var random = SplitMix64(seed: 2019)
        var weights: [String: Tensor] = [:]
        for layer in graph.layers {
            for weight in layer.weights {
                let count = weight.shape.reduce(1, *)
                let values: [Float] = switch weight.name {
                case "moving_variance", "gamma": Array(repeating: 1, count: count)
                case "moving_mean", "beta", "bias": Array(repeating: 0, count: count)
                default: (0..<count).map { _ in random.unitFloat() - 0.5 }
                }
                weights[layer.tensorName(of: weight)] = try Tensor(shape: weight.shape, values: values)
            }
        }
        let store = try ParameterStore(graph: graph, weights: InMemoryWeights(weights))
        return try TrainingModel(graph: graph, parameters: store, frozenBatchNorm: .keras2, dropoutSeed: seed)
    }

    /// Ten samples in batches of four, reshuffled every pass from the seed (the last batch of a pass short), so a
    /// resumed stream must find the pass and the place in it.
    struct ShuffledSamples: TrainingBatches {
        var batchNumber = 0

        static func sample(_ index: Int) -> (inputs: [Float], label: Int) {
            var random = SplitMix64(seed: UInt64(100 + index))
            let label = index % 2
            return ((0..<6).map { feature in random.unitFloat() + (feature == label ? 0.8 : 0) }, label)
        }

        mutating func next() throws -> TrainingBatch {
            let pass = batchNumber / 3, start = batchNumber % 3 * 4
            batchNumber += 1
            var order = Array(0..<10)
            var random = SplitMix64(seed: FitResumeTests.seed &+ UInt64(pass))
            order.shuffle(using: &random)
            let samples = order[start..<min(start + 4, 10)].map(Self.sample)
            return TrainingBatch(inputs: try Tensor(shape: [samples.count, 6], values: samples.flatMap(\.inputs)),
                                 target: .dense(try Tensor(shape: [samples.count, 2], values: samples.flatMap { $0.label == 0 ? [1, 0] : [0, 1] })))
        }
    }

    /// One fit's parts, built fresh; `checkpoints` records the epochs ModelCheckpoint saved.
    final class Run {
        final class Epochs { var saved: [Int] = [] }

        let model: TrainingModel
        let fit: Fit
        let checkpoints = Epochs()

        init(callbacks extra: [any Callback] = []) throws {
            model = try FitResumeTests.model()
            let plateau = try ReduceLROnPlateau(monitor: "val_loss", factor: 0.5, patience: 1, minDelta: 0)
            let stopping = try EarlyStopping(monitor: "val_loss", patience: 100, restoreBestWeights: true)
            let checkpoint = try ModelCheckpoint(monitor: "val_accuracy", saveBestOnly: true) { [checkpoints] epoch, _ in
                checkpoints.saved.append(epoch)
            }
            fit = try Fit(model: model, optimizer: Adam(learningRate: 0.05), callbacks: [plateau, stopping, checkpoint] + extra)
        }

        func run(resumingFrom saved: FitState? = nil, epochEnded: ((FitState) throws -> Void)? = nil) throws -> [[String: Double]] {
            try fit.run(training: ShuffledSamples(), validation: { ShuffledSamples(batchNumber: 1) },
                        settings: .init(epochs: FitResumeTests.epochs, stepsPerEpoch: FitResumeTests.stepsPerEpoch, validationSteps: 2),
                        resumingFrom: saved, epochEnded: epochEnded)
        }
    }

    struct Interrupted: Error {}

    @Test func resumedFitEndsExactlyAsTheUninterruptedOne() throws {
        let straight = try Run()
        let expected = try straight.run()

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-fit-state-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        let first = try Run()
        #expect(throws: Interrupted.self) {
            try first.run { state in
                try FitStateFile.write(state, to: file, metadata: ["run": "resume test"])
                if state.epochsDone == 3 { throw Interrupted() }
            }
        }
        let (saved, metadata) = try FitStateFile.read(file)
        #expect(saved.epochsDone == 3 && metadata == ["run": "resume test"])
        #expect(saved.model.dropoutMasksDrawn == 3 * Self.stepsPerEpoch && saved.model.zeroDebias["norm"]?.step == 3 * Self.stepsPerEpoch)

        let resumed = try Run()
        let history = try resumed.run(resumingFrom: saved)
        #expect(history == expected)
        #expect(Set(expected.map { $0["learning_rate"]! }).count > 1, "ReduceLROnPlateau never lowered the rate: the test proves less than it says")
        #expect(resumed.checkpoints.saved == straight.checkpoints.saved.filter { $0 >= 3 })
        for parameter in straight.model.parameters.parameters {
            #expect(resumed.model.parameters[parameter.name]?.value.toArray() == parameter.value.toArray(), "\(parameter.name)")
        }
        #expect(resumed.model.state == straight.model.state)
        let optimizer = try resumed.fit.optimizer.state(), reference = try straight.fit.optimizer.state()
        #expect(optimizer.iterations == reference.iterations && optimizer.learningRate == reference.learningRate)
        for (key, slot) in reference.slots { #expect(optimizer.slots[key]?.toArray() == slot.toArray(), "\(key)") }
    }

    /// A state saved with another callback list is refused before anything changes.
    @Test func stateOfAnotherCallbackListIsRefused() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-fit-state-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(throws: Interrupted.self) {
            try Run().run { state in
                try FitStateFile.write(state, to: file)
                throw Interrupted()
            }
        }
        let other = try Run(callbacks: [try ReduceLROnPlateau()])
        let error = #expect(throws: FitError.self) { try other.run(resumingFrom: try FitStateFile.read(file).state) }
        #expect(error?.description.contains("3:ReduceLROnPlateau") == true, "\(error?.description ?? "no error")")
    }
}

import Converter
import Foundation
import Tensor
import Training
import Zoo

/// A recipe's model timed in this process on fixed pseudo-random inputs: inference at batch 1 (median, p90, p99 of
/// `repeats` runs after a warm-up) and batch 16 (images/s), one training step at batch 16 with the base frozen and
/// with its top unfrozen, and the epoch times the runs measured with and without cached features. Peak memory is
/// the process's high-water mark (`VmHWM`) after the probe, so it covers everything the bench ran so far.
struct LatencyProbe {
    let repeats: Int
    /// Batch-16 runs and training steps are slower: a third as many, at least two.
    var longRepeats: Int { max(2, repeats / 3) }

    func measure(_ model: RecipeModel, base: BaseWeights, machine: Machine, unfreezeFrom: String?,
                 runs: [RunRecord], recipe: String) throws -> LatencyRecord {
        let size = model.recipe.input.size
        let weights = { HeadOverBase(head: try model.initialHeadWeights(seed: 1), base: try SafetensorsFile(path: base.file.path)) }
        let inference = try Model(graph: model.full, weights: try weights())
        let single = try Self.input(batch: 1, size: size), batch = try Self.input(batch: 16, size: size)
        _ = try inference.run([single])
        let singles = try (0..<repeats).map { _ in try Self.seconds { _ = try inference.run([single]) } * 1000 }.sorted()
        _ = try inference.run([batch])
        let batchSeconds = try (0..<longRepeats).map { _ in try Self.seconds { _ = try inference.run([batch]) } }.sorted()

        let frozen = try trainingStep(model, weights: try weights(), input: batch, unfreezeFrom: nil)
        let unfrozen = try unfreezeFrom.map { try trainingStep(model, weights: try weights(), input: batch, unfreezeFrom: $0) }
        return LatencyRecord(
            model: BenchSuite.modelName(model.recipe), inputSize: size, engine: "zoo", cpuModel: machine.cpuModel,
            vectorExtensions: machine.vectorExtensions, batch1MedianMs: Self.percentile(singles, 0.5),
            batch1P90Ms: Self.percentile(singles, 0.9), batch1P99Ms: Self.percentile(singles, 0.99),
            batch16ImagesPerSecond: 16 / Self.percentile(batchSeconds, 0.5),
            peakMemoryMB: Double(Self.peakResidentBytes()) / 1_000_000, trainStepFrozenMs: frozen, trainStepUnfrozenMs: unfrozen
        ).withEpochTimes(of: runs, recipe: recipe)
    }

    /// The median of `longRepeats` Adam steps (forward, loss, backward, update) after a warm-up one, in ms.
    func trainingStep(_ model: RecipeModel, weights: some WeightSource, input: Tensor, unfreezeFrom: String?) throws -> Double {
        let store = try ParameterStore(graph: model.full, weights: weights)
        if let unfreezeFrom { try store.trainFrom(unfreezeFrom, in: model.full) }
        let training = try TrainingModel(graph: model.full, parameters: store, frozenBatchNorm: model.recipe.frozenBatchNorm, dropoutSeed: 1)
        let regularization = try Regularization(graph: model.full)
        let optimizer = Adam()
        var oneHot = [Float](repeating: 0, count: 32)
        for row in 0..<16 { oneHot[row * 2 + row % 2] = 1 }
        let target = LossTarget.dense(try Tensor(shape: [16, 2], values: oneHot))
        let step = {
            let result = try training.lossAndGradients(input, objective: .categoricalCrossentropy(target, sampleWeights: nil),
                                                       regularization: regularization)
            try optimizer.apply(result.gradients, to: training)
        }
        try step()
        return Self.percentile(try (0..<longRepeats).map { _ in try Self.seconds(step) * 1000 }.sorted(), 0.5)
    }

    /// Images in [0, 1) from a fixed seed: the timings do not depend on the values, only their shape.
    static func input(batch: Int, size: Int) throws -> Tensor {
        var random = SplitMix64(seed: 2019)
        return try Tensor(shape: [batch, size, size, 3], values: (0..<batch * size * size * 3).map { _ in random.unitFloat() })
    }

    static func seconds(_ body: () throws -> Void) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        sorted[min(sorted.count - 1, max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))]
    }

    /// `VmHWM` from /proc/self/status, in bytes (0 where /proc is unavailable).
    static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }
}

extension LatencyRecord {
    /// The record with its last two columns: the mean epoch time of `recipe`'s Zoo head-phase runs among `runs`, on
    /// cached features and running the base. The suite fills them as it probes; `zoo bench merge` from every shard.
    func withEpochTimes(of runs: [RunRecord], recipe: String) -> LatencyRecord {
        let timed = runs.filter { $0.recipe == recipe && $0.engine == EngineComparison.zoo && $0.phase == RunIdentity.headPhase }
        func epochSeconds(cached: Bool) -> Double? {
            let seconds = timed.filter { $0.timing.featureCache == cached }.flatMap(\.history).map(\.seconds)
            return seconds.isEmpty ? nil : seconds.mean
        }
        var record = self
        record.epochSecondsCached = epochSeconds(cached: true)
        record.epochSecondsUncached = epochSeconds(cached: false)
        return record
    }
}

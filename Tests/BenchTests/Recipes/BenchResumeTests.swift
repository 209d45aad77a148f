import Foundation
import Testing
import TestSupport
import Training
@testable import Bench

/// `zoo bench --resume` after a SIGKILL in the middle of an epoch: the run continues from the last epoch's
/// checkpoint and ends with the very predictions, metrics and history of a run never interrupted.
@Suite(.serialized) struct BenchResumeTests {
    /// One small recipe, one protocol, trained end to end (no feature cache): an epoch through VGG16 takes seconds,
    /// so a kill sent as soon as the first epoch's checkpoint appears lands in the second epoch.
    static func arguments(out: URL) -> [String] {
        ["bench", "--quick", "--quiet", "--recipes", "vgg16-tb", "--protocol", "seed", "--no-feature-cache", "--synthetic-images", "48",
         "--recipe-dir", TestEnvironment.repositoryRoot.appendingPathComponent("Benchmarks/recipes").path, "--out", out.path]
    }

    static func environment() throws -> [String: String] {
        ["ZOO_GOLDEN": try TestEnvironment.golden().path, "ZOO_GOLDEN_ACTIVATIONS": try TestEnvironment.goldenActivations().path]
    }

    @Test func killedMidEpochResumesToTheSameResults() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-bench-resume-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let zoo = try TestEnvironment.zooBinary(), environment = try Self.environment()
        let straightOut = root.appendingPathComponent("straight"), resumedOut = root.appendingPathComponent("resumed")

        let straight = try TestEnvironment.run(zoo, Self.arguments(out: straightOut), environment: environment)
        try #require(straight.status == 0, "\(straight.stderr.suffix(3000))")

        // The same run, killed once its first epoch's checkpoint is on disk.
        let checkpoint = resumedOut.appendingPathComponent("runs/vgg16-tb-seed-seed2019-head.safetensors")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: zoo)
        process.arguments = Self.arguments(out: resumedOut)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: checkpoint.path), process.isRunning, Date() < deadline { usleep(5_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try #require(process.terminationReason == .uncaughtSignal, "the run ended (status \(process.terminationStatus)) before it could be killed")
        let results = resumedOut.appendingPathComponent("results.jsonl")
        #expect(try ResultsLog(url: results).read().records.isEmpty, "killed before its record")
        let interrupted = try FitStateFile.read(checkpoint).state
        #expect(interrupted.epochsDone == 1, "killed in the second epoch")

        let resumed = try TestEnvironment.run(zoo, Self.arguments(out: resumedOut) + ["--resume"], environment: environment)
        try #require(resumed.status == 0, "\(resumed.stderr.suffix(3000))")
        #expect(resumed.stderr.contains("resuming the head phase after epoch 1"), "\(resumed.stderr.suffix(2000))")
        #expect(!FileManager.default.fileExists(atPath: checkpoint.path), "the checkpoint is deleted once the record is written")

        let expected = try #require(try ResultsLog(url: straightOut.appendingPathComponent("results.jsonl")).read().records.first)
        let actual = try #require(try ResultsLog(url: results).read().records.first)
        #expect(actual.test.scores == expected.test.scores && actual.test.images == expected.test.images)
        #expect(actual.metrics == expected.metrics)
        #expect(actual.threshold == expected.threshold)
        func trained(_ record: RunRecord) -> [[Double?]] {
            record.history.map { [$0.loss, $0.accuracy, $0.validationLoss, $0.validationAccuracy, $0.learningRate] }
        }
        #expect(trained(actual) == trained(expected) && actual.history.count == 2)
    }

    /// A checkpoint written by another run under this run's file name (here: another recipe digest) is refused,
    /// naming what differs.
    @Test func checkpointOfAnotherRunIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-run-checkpoint-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let identity = RunIdentity(recipe: "vgg16-tb", recipeSHA256: String(repeating: "a", count: 64), protocolName: "seed", fold: nil,
                                   seed: 2019, phase: "head", datasetManifestDigest: "d", baseSHA256: "b", inputs: "cached features")
        var other = identity
        other.recipeSHA256 = String(repeating: "c", count: 64)
        let state = FitState(history: [["loss": 1]], trainingBatchesTaken: 2, stopped: false,
                             weights: ["dense/kernel": try .init(shape: [2, 2], values: [1, 2, 3, 4])], model: .init(),
                             optimizer: .init(iterations: 2, learningRate: 1e-3), callbacks: [:])
        try RunCheckpoint(directory: directory, identity: other).save(state)

        let mine = RunCheckpoint(directory: directory, identity: identity)
        let error = #expect(throws: BenchError.self) { try mine.load() }
        #expect(error?.description.contains("a checkpoint of another run (recipe digest cccc") == true, "\(error?.description ?? "no error")")
        #expect(try RunCheckpoint(directory: directory, identity: other).load()?.epochsDone == 1)
    }
}

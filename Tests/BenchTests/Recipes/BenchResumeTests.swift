import Foundation
import Testing
import TestSupport
import Training
@testable import Bench

/// `zoo bench --resume` after SIGKILLs: the run continues from the last epoch's checkpoint of the phase it was in and
/// ends with the very predictions, metrics and history of a run never interrupted, in both phases.
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

    /// Runs zoo and SIGKILLs it as soon as `file` exists; returns its standard error.
    static func runKilled(_ zoo: String, _ arguments: [String], once file: URL, log: URL) throws -> String {
        try Data().write(to: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: zoo)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(try environment()) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: file.path), process.isRunning, Date() < deadline { usleep(5_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let stderr = try String(contentsOf: log, encoding: .utf8)
        try #require(process.terminationReason == .uncaughtSignal, "the run ended (status \(process.terminationStatus)) before it could be killed: \(stderr.suffix(2000))")
        return stderr
    }

    @Test func killedRunsResumeToTheSameResults() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-bench-resume-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let zoo = try TestEnvironment.zooBinary()
        let straightOut = root.appendingPathComponent("straight"), out = root.appendingPathComponent("resumed")
        let arguments = Self.arguments(out: out), results = ResultsLog(url: out.appendingPathComponent("results.jsonl"))

        let straight = try TestEnvironment.run(zoo, Self.arguments(out: straightOut), environment: try Self.environment())
        try #require(straight.status == 0, "\(straight.stderr.suffix(3000))")
        let expected = try ResultsLog(url: straightOut.appendingPathComponent("results.jsonl")).read().records
        try #require(expected.map(\.phase) == ["head", "fine_tune"])

        // Killed in the head phase's second epoch.
        let head = out.appendingPathComponent("runs/vgg16-tb-seed-seed2019-head.safetensors")
        _ = try Self.runKilled(zoo, arguments, once: head, log: root.appendingPathComponent("first.log"))
        #expect(try results.read().records.isEmpty, "killed before its first record")
        #expect(try FitStateFile.read(head).state.epochsDone == 1, "killed in the second epoch")

        // Resumed there, then killed once the fine-tuning phase's (only) epoch is saved, before its record.
        let fineTune = out.appendingPathComponent("runs/vgg16-tb-seed-seed2019-fine_tune.safetensors")
        let second = try Self.runKilled(zoo, arguments + ["--resume"], once: fineTune, log: root.appendingPathComponent("second.log"))
        #expect(second.contains("vgg16-tb: resuming the head phase after epoch 1"), "\(second.suffix(2000))")
        #expect(try results.read().records.map(\.phase) == ["head"])

        // Resumed again: the head phase's final state gives phase 2 its start, phase 2 its end.
        let third = try TestEnvironment.run(zoo, arguments + ["--resume"], environment: try Self.environment())
        try #require(third.status == 0, "\(third.stderr.suffix(3000))")
        #expect(third.stderr.contains("resuming the head phase after epoch 2") && third.stderr.contains("resuming the fine_tune phase after epoch 1"),
                "\(third.stderr.suffix(2000))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("runs").path).isEmpty,
                "checkpoints are deleted once the run's records are written")

        let actual = try results.read().records
        try #require(actual.map(\.phase) == ["head", "fine_tune"])
        func trained(_ record: RunRecord) -> [[Double?]] {
            record.history.map { [$0.loss, $0.accuracy, $0.validationLoss, $0.validationAccuracy, $0.learningRate] }
        }
        for (resumed, uninterrupted) in zip(actual, expected) {
            #expect(resumed.test == uninterrupted.test, "\(resumed.phase): test predictions")
            #expect(resumed.metrics == uninterrupted.metrics && resumed.threshold == uninterrupted.threshold, "\(resumed.phase)")
            #expect(trained(resumed) == trained(uninterrupted), "\(resumed.phase): history")
        }
    }

    /// A checkpoint written by another run under this run's file name (here: another recipe digest) is refused,
    /// naming what differs.
    @Test func checkpointOfAnotherRunIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-run-checkpoint-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let identity = CheckpointIdentity(recipe: "vgg16-tb", recipeSHA256: String(repeating: "a", count: 64), protocolName: "seed", fold: nil,
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

import Converter
import Foundation

/// Where one task of a plan keeps what it wrote, `<out>/tasks/<index>-<id>/` (docs/sweeps.md):
/// - `results.jsonl`: its run's records (both phases), appended and fsynced as each phase ends;
/// - `latency.json`: a latency task's record;
/// - `runs/`: the training checkpoints a killed task resumes from;
/// - `task.log`: what it said, every attempt appended;
/// - `status.json`: `running`, then `finished` or `failed`, written whole (temporary name, then rename). Only
///   `finished` makes the shard count: it is written after everything else.
/// The weights and synthetic sets under `<out>` are shared by the tasks that write there.
public struct SweepShard: Sendable {
    public let directory: URL

    public init(out: URL, task: SweepTask) {
        directory = out.appendingPathComponent("tasks").appendingPathComponent(String(format: "%04d", task.index) + "-" + task.id)
    }

    init(directory: URL) { self.directory = directory }

    var results: ResultsLog { ResultsLog(url: directory.appendingPathComponent("results.jsonl")) }
    var latencyFile: URL { directory.appendingPathComponent("latency.json") }
    var checkpoints: URL { directory.appendingPathComponent("runs") }
    var logFile: URL { directory.appendingPathComponent("task.log") }
    var statusFile: URL { directory.appendingPathComponent("status.json") }
    /// Left by the test hook once it has failed the task (`ZOO_FAIL_TASK_ONCE`).
    var failedOnceMarker: URL { directory.appendingPathComponent("test-hook-failed-once") }

    /// A shard's state as `status.json` says it.
    public struct Status: Codable, Sendable, Equatable {
        public enum State: String, Codable, Sendable { case running, finished, failed }
        public var planHash: String
        public var zooVersion: String
        public var zooCommit: String
        public var taskIndex: Int
        public var taskID: String
        public var state: State
        public var attempts: Int
        /// The error of a failed attempt.
        public var message: String?
        public var host: String

        enum CodingKeys: String, CodingKey {
            case planHash = "plan_hash", zooVersion = "zoo_version", zooCommit = "zoo_commit", taskIndex = "task_index",
                 taskID = "task_id", state, attempts, message, host
        }
    }

    func status() throws -> Status? {
        guard let data = FileManager.default.contents(atPath: statusFile.path) else { return nil }
        do { return try JSONDecoder().decode(Status.self, from: data) } catch {
            throw BenchError("\(statusFile.path): not a shard status (\(error))")
        }
    }

    func write(_ status: Status) throws {
        try AtomicFile.write(try SweepPlan.encoder.encode(status), to: statusFile)
    }

    /// A latency task's record, with the recipe it was probed for (the merge fills its epoch times from that
    /// recipe's runs).
    struct LatencyEntry: Codable {
        let recipe: String
        let record: LatencyRecord
    }

    func latency() throws -> [LatencyEntry] {
        guard let data = FileManager.default.contents(atPath: latencyFile.path) else { return [] }
        do { return try JSONDecoder().decode([LatencyEntry].self, from: data) } catch {
            throw BenchError("\(latencyFile.path): not a latency shard (\(error))")
        }
    }
}

/// `zoo bench run --plan PLAN --task I --out DIR`: task I of the plan, through the one-process suite's own code
/// (`BenchSuite.execute` with that task's unit), into its shard. A finished task is not run again; a failed or
/// killed one continues (results already recorded are kept, training resumes from its last checkpoint).
public struct SweepTaskRun {
    public let plan: SweepPlan
    public let task: SweepTask
    public let shard: SweepShard
    let out: URL

    public init(plan: SweepPlan, task index: Int, out: URL) throws {
        self.plan = plan
        task = try plan.task(index)
        shard = SweepShard(out: out, task: task)
        self.out = out
    }

    public enum Outcome: Equatable, Sendable { case finished, alreadyFinished }

    /// Runs the task. `failOnce` is the test hook (`ZOO_FAIL_TASK_ONCE`, docs/sweeps.md): the task fails after its
    /// first record, once per shard, so a test can resubmit it and watch it resume.
    public func run(featureCache: FeatureCache?, references: URL?, activations: URL?, quiet: Bool, failOnce: Bool = false,
                    log echo: @escaping (String) -> Void) throws -> Outcome {
        try FileManager.default.createDirectory(at: shard.directory, withIntermediateDirectories: true)
        let previous = try shard.status()
        if let previous, previous.planHash != plan.planHash {
            throw BenchError("\(shard.statusFile.path): a shard of plan \(previous.planHash.prefix(12)), not of this plan (\(plan.planHash.prefix(12))); use another --out")
        }
        if previous?.state == .finished {
            echo("task \(task.index) (\(task.label)): already finished in \(shard.directory.path)")
            return .alreadyFinished
        }
        let logHandle = try Self.appending(to: shard.logFile)
        defer { try? logHandle.close() }
        let log = { (line: String) in
            echo(line)
            logHandle.write(Data((line + "\n").utf8))
        }
        let machine = Machine.current
        if machine.commit != plan.zooCommit {
            log("warning: this Zoo is \(machine.commit), the plan was made by \(plan.zooCommit); zoo bench merge refuses mixed versions unless told")
        }
        var status = SweepShard.Status(planHash: plan.planHash, zooVersion: Conversion.converterVersion, zooCommit: machine.commit,
                                       taskIndex: task.index, taskID: task.id, state: .running, attempts: (previous?.attempts ?? 0) + 1,
                                       message: nil, host: ProcessInfo.processInfo.hostName)
        try shard.write(status)
        log("task \(task.index) of \(plan.tasks.count) (\(task.label)), attempt \(status.attempts), plan \(plan.planHash.prefix(12))")
        do {
            var settings = try plan.settings(out: out, featureCache: featureCache, references: references, activations: activations, quiet: quiet)
            if failOnce, !FileManager.default.fileExists(atPath: shard.failedOnceMarker.path) {
                let marker = shard.failedOnceMarker, index = task.index
                settings.recorded = { _ in
                    try Data().write(to: marker)
                    throw BenchError("test hook ZOO_FAIL_TASK_ONCE=\(index): failing this task once, after its first record")
                }
            }
            let executed = try BenchSuite(settings, log: log).execute([task.unit], into: shard.results, checkpointsIn: shard.checkpoints)
            if task.unit.work == .latency {
                let entries = executed.latency.map { SweepShard.LatencyEntry(recipe: task.unit.recipe, record: $0) }
                try AtomicFile.write(try SweepPlan.encoder.encode(entries), to: shard.latencyFile)
            }
        } catch {
            status.state = .failed
            status.message = "\(error)"
            try shard.write(status)
            log("task \(task.index) failed: \(error)")
            throw error
        }
        status.state = .finished
        try shard.write(status)
        log("task \(task.index) finished")
        return .finished
    }

    static func appending(to url: URL) throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: url.path) else { throw BenchError("\(url.path): cannot open the task's log") }
        handle.seekToEndOfFile()
        return handle
    }
}

import Foundation
import Training

/// Which run a training checkpoint belongs to. A checkpoint resumes only the run that wrote it: the same recipe
/// (its digest), protocol, fold, seed and phase, on the same images, base weights and inputs.
public struct RunIdentity: Codable, Equatable, Sendable {
    public var recipe: String
    public var recipeSHA256: String
    public var protocolName: String
    public var fold: Int?
    public var seed: UInt64
    /// `head`, then `fine_tune`.
    public var phase: String
    /// The three splits' manifests (`BenchSuite.digest(of:)`).
    public var datasetManifestDigest: String
    public var baseSHA256: String
    /// `cached features` (the head alone) or `images` (the whole model): they train different weights.
    public var inputs: String

    /// `vgg16-tb-clean-fold3-seed2019-head`.
    var fileStem: String {
        "\(recipe)-\(protocolName)\(fold.map { "-fold\($0)" } ?? "")-seed\(seed)-\(phase)"
    }

    /// What differs from `other`, in words, for the refusal.
    func differences(from other: RunIdentity) -> [String] {
        func describe<Value: Equatable & CustomStringConvertible>(_ name: String, _ mine: Value, _ theirs: Value) -> String? {
            mine == theirs ? nil : "\(name) \(theirs) (this run: \(mine))"
        }
        return [describe("recipe", recipe, other.recipe), describe("recipe digest", recipeSHA256, other.recipeSHA256),
                describe("protocol", protocolName, other.protocolName),
                describe("fold", fold.map(String.init) ?? "none", other.fold.map(String.init) ?? "none"),
                describe("seed", seed, other.seed), describe("phase", phase, other.phase),
                describe("dataset manifest digest", datasetManifestDigest, other.datasetManifestDigest),
                describe("base weights digest", baseSHA256, other.baseSHA256), describe("inputs", inputs, other.inputs)].compactMap { $0 }
    }
}

/// One phase's training state between epochs, `<out>/runs/<recipe>-<protocol>[-fold<i>]-seed<N>-<phase>.safetensors`:
/// the `FitState` (`FitStateFile`) with the run's identity in the header's metadata under `zoo.run`. Written after
/// every epoch under a temporary name, synced and renamed, so a kill at any moment leaves the last epoch's whole
/// state; read by `zoo bench --resume`; deleted once the run's record is in results.jsonl.
struct RunCheckpoint {
    static let metadataKey = "zoo.run"

    let url: URL
    let identity: RunIdentity

    init(directory: URL, identity: RunIdentity) {
        url = directory.appendingPathComponent("\(identity.fileStem).safetensors")
        self.identity = identity
    }

    /// The saved state, nil when there is none. A file of another run is refused with what differs: resuming it
    /// would silently mix two runs.
    func load() throws -> FitState? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let (state, metadata) = try FitStateFile.read(url)
        guard let json = metadata[Self.metadataKey], let saved = try? JSONDecoder().decode(RunIdentity.self, from: Data(json.utf8)) else {
            throw BenchError("\(url.path): not a zoo bench checkpoint (no run identity in its metadata); delete it to start the run afresh")
        }
        let differences = identity.differences(from: saved)
        guard differences.isEmpty else {
            throw BenchError("\(url.path): a checkpoint of another run (\(differences.joined(separator: "; "))); "
                             + "rerun with that run's options, or delete the file to start this run afresh")
        }
        return state
    }

    func save(_ state: FitState) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try FitStateFile.write(state, to: url, metadata: [Self.metadataKey: String(decoding: try encoder.encode(identity), as: UTF8.self)])
    }

    func remove() throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        try FileManager.default.removeItem(at: url)
    }
}

/// Where one run's phases keep their checkpoints (`<out>/runs`), which run that is, and whether a checkpoint found
/// there is resumed (`--resume`) or started over.
public struct RunCheckpoints {
    public static let phases = ["head", "fine_tune"]

    let directory: URL
    /// The run; each phase sets its own `phase` and `inputs`.
    let run: RunIdentity
    let resume: Bool
    /// Where "resuming ..." is said.
    let log: (String) -> Void

    public init(directory: URL, run: RunIdentity, resume: Bool, log: @escaping (String) -> Void) {
        self.directory = directory
        self.run = run
        self.resume = resume
        self.log = log
    }

    func checkpoint(phase: String, inputs: String) -> RunCheckpoint {
        var identity = run
        identity.phase = phase
        identity.inputs = inputs
        return RunCheckpoint(directory: directory, identity: identity)
    }

    /// The state to resume `phase` from: nil without `--resume` or without a checkpoint.
    func saved(_ checkpoint: RunCheckpoint) throws -> FitState? {
        guard resume, let state = try checkpoint.load() else { return nil }
        log("\(run.recipe): resuming the \(checkpoint.identity.phase) phase after epoch \(state.epochsDone) (\(checkpoint.url.lastPathComponent))")
        return state
    }

    /// Once the run's record is in results.jsonl: every phase's checkpoint goes.
    public func removeAll() throws {
        for phase in Self.phases { try checkpoint(phase: phase, inputs: run.inputs).remove() }
    }
}

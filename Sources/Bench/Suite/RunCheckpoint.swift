import Foundation
import Training

/// Which run and phase a training checkpoint belongs to. A checkpoint resumes only the run that wrote it: the same
/// recipe (its digest), protocol, fold, seed and phase, on the same images, base weights and inputs.
struct CheckpointIdentity: Codable, Equatable {
    var recipe: String
    var recipeSHA256: String
    var protocolName: String
    var fold: Int?
    var seed: UInt64
    /// `head`, then `fine_tune` (`RunIdentity.headPhase`, `.fineTunePhase`).
    var phase: String
    /// The three splits' manifests (`BenchSuite.digest(of:)`).
    var datasetManifestDigest: String
    var baseSHA256: String
    /// `cached features` (the head alone) or `images` (the whole model): they train different weights.
    var inputs: String

    /// `vgg16-tb-clean-fold3-seed2019-head`.
    var fileStem: String {
        "\(recipe)-\(protocolName)\(fold.map { "-fold\($0)" } ?? "")-seed\(seed)-\(phase)"
    }

    /// What differs from `other`, in words, for the refusal.
    func differences(from other: CheckpointIdentity) -> [String] {
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
    let identity: CheckpointIdentity

    init(directory: URL, identity: CheckpointIdentity) {
        url = directory.appendingPathComponent("\(identity.fileStem).safetensors")
        self.identity = identity
    }

    /// The saved state, nil when there is none. A file of another run is refused with what differs: resuming it
    /// would silently mix two runs.
    func load() throws -> FitState? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let (state, metadata) = try FitStateFile.read(url)
        guard let json = metadata[Self.metadataKey], let saved = try? JSONDecoder().decode(CheckpointIdentity.self, from: Data(json.utf8)) else {
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
    let directory: URL
    let recipe: String
    let run: RunIdentity
    let datasetManifestDigest: String
    let baseSHA256: String
    let resume: Bool
    /// Where "resuming ..." is said.
    let log: (String) -> Void

    init(directory: URL, recipe: String, run: RunIdentity, datasetManifestDigest: String, baseSHA256: String, resume: Bool,
         log: @escaping (String) -> Void) {
        self.directory = directory
        self.recipe = recipe
        self.run = run
        self.datasetManifestDigest = datasetManifestDigest
        self.baseSHA256 = baseSHA256
        self.resume = resume
        self.log = log
    }

    func checkpoint(phase: String, inputs: String) -> RunCheckpoint {
        RunCheckpoint(directory: directory, identity: CheckpointIdentity(
            recipe: recipe, recipeSHA256: run.recipeDigest, protocolName: run.protocolName, fold: run.fold, seed: run.seed,
            phase: phase, datasetManifestDigest: datasetManifestDigest, baseSHA256: baseSHA256, inputs: inputs))
    }

    /// The state to resume a phase from: nil without `--resume` or without a checkpoint.
    func saved(_ checkpoint: RunCheckpoint) throws -> FitState? {
        guard resume, let state = try checkpoint.load() else { return nil }
        log("\(recipe): resuming the \(checkpoint.identity.phase) phase after epoch \(state.epochsDone) (\(checkpoint.url.lastPathComponent))")
        return state
    }

    /// Once every phase's record is in results.jsonl (the fine-tuning phase starts from the head phase's end, so the
    /// head's checkpoint stays until then): every phase's checkpoint goes.
    func removeAll() throws {
        // The file's name does not depend on the inputs.
        for phase in [RunIdentity.headPhase, RunIdentity.fineTunePhase] { try checkpoint(phase: phase, inputs: "").remove() }
    }
}

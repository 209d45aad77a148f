import Converter
import Foundation
import Zoo

/// A recipe's base as the suite runs it: a Keras checkpoint converted once to a Zoo file, checked layer by layer
/// against Keras' own activations, and named by both files' digests so every result traces back to them.
public struct BaseWeights: Sendable {
    /// The converted file the runs load.
    public let file: URL
    public let sourcePath: String
    public let sourceSHA256: String
    public let convertedSHA256: String
    /// `PASS` or `FAIL: ...` from `zoo verify`'s check, or why there was nothing to check against.
    public let parityVerdict: String
    /// Set when the weights are not the published ImageNet ones: the tables must say so.
    public let note: String?

    /// Where a base's Keras checkpoint comes from, in order of preference.
    public enum Source: Sendable {
        /// The published `keras.applications` file (Keras' cache, or `zoo fetch`).
        case published(URL)
        /// The reference generator's Keras-initialised checkpoint (`scripts/golden.sh`): offline machines.
        case kerasInitialised(URL)
    }

    /// The source for `architecture` (`vgg16`, ...): the published notop file when Keras' cache has it, otherwise
    /// the reference generator's `<architecture>_notop/k3.keras` under `references`.
    public static func source(for architecture: String, publishedFile: URL?, references: URL?) throws -> Source {
        if let publishedFile { return .published(publishedFile) }
        guard let references else {
            throw BenchError("no weights for the \(architecture) base: the published ImageNet file is not in Keras' cache (`zoo fetch \(architecture)-notop` downloads it), and no reference checkpoints were given (ZOO_GOLDEN, from scripts/golden.sh)")
        }
        let checkpoint = references.appendingPathComponent("\(architecture)_notop/k3.keras")
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            throw BenchError("\(checkpoint.path): missing; scripts/golden.sh writes the Keras-initialised reference checkpoints")
        }
        return .kerasInitialised(checkpoint)
    }

    /// Converts `source` into `directory` (reused while the source's digest is unchanged) and checks it against the
    /// golden activations of the same checkpoint, when `activations` has them.
    public static func prepare(_ source: Source, architecture: String, graph: ModelGraph, directory: URL,
                               activations: URL?) throws -> BaseWeights {
        let (checkpoint, note): (URL, String?) = switch source {
        case .published(let url): (url, nil)
        case .kerasInitialised(let url):
            (url, "Keras-initialised base (no ImageNet weights on this machine): these accuracies prove the pipeline, not the model")
        }
        let sourceSHA256 = try BackgroundDigest(path: checkpoint.path).value()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let converted = directory.appendingPathComponent("\(architecture)-notop-\(sourceSHA256.prefix(12)).safetensors")
        if !FileManager.default.fileExists(atPath: converted.path) {
            var request = Conversion.Request(input: checkpoint.path, output: converted.path)
            // A published file holds weights only; a reference checkpoint brings its own Keras config.
            if case .published = source { request.architecture = (architecture + "-notop", graph, nil) }
            _ = try Conversion.run(request)
        }
        let convertedSHA256 = try BackgroundDigest(path: converted.path).value()
        return BaseWeights(file: converted, sourcePath: checkpoint.path, sourceSHA256: sourceSHA256,
                           convertedSHA256: convertedSHA256,
                           parityVerdict: try parity(of: converted, architecture: architecture, activations: activations, source: source),
                           note: note)
    }

    /// `zoo verify`'s verdict on the golden activations Keras wrote for this very checkpoint; only the reference
    /// generator's checkpoints have them.
    static func parity(of file: URL, architecture: String, activations: URL?, source: Source) throws -> String {
        guard case .kerasInitialised = source else {
            return "not checked: no Keras activations for the published file on this machine (zoo verify checks it against the reference set)"
        }
        guard let activations else { return "not checked: no golden activations given (ZOO_GOLDEN_ACTIVATIONS)" }
        let golden = activations.appendingPathComponent("\(architecture)_notop/activations.safetensors")
        guard FileManager.default.fileExists(atPath: golden.path) else { return "not checked: \(golden.path) is missing" }
        let model = try Model(file: try SafetensorsFile(path: file.path), mode: .layerByLayer)
        let check = try ParityCheck.run(model, against: try GoldenActivations(path: golden.path),
                                        tolerance: ParityTolerance.defaultValue(forWeights: model.weightDTypes))
        let worst = check.cases.compactMap(\.worst).map(\.normalisedError).max() ?? 0
        return ParityReport(check: check, header: []).verdict
            + " (\(check.cases.count) Keras input(s), \(model.graph.layers.count) layers, worst normalised error \(String(format: "%.1e", worst)))"
    }
}

/// A suite run that cannot go on: what is wrong and how to fix it.
public struct BenchError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

import Foundation
import TestSupport

/// Runs `zoo convert` and `zoo verify` the way a user would, for the parity tests.
enum Verifying {
    /// The full-size models of the reference set (in the cache), with and without top and the notebooks'.
    static let fullSizeModels = ["vgg16", "vgg16_notop", "vgg19", "vgg19_notop", "resnet50", "resnet50_notop",
                                 "tb_vgg16", "tb_vgg19", "tb_attention_vgg16", "melanoma_resnet50"]
    /// The cases the full-size models are verified on: the others cost CI time and add no layer kinds.
    static let fullSizeCases = "normal,image"

    static func verify(_ model: String, golden: String, arguments: [String] = [], fault: String? = nil) throws -> TestEnvironment.Result {
        try TestEnvironment.run(TestEnvironment.zooBinary(), ["verify", model, "--golden", golden] + arguments,
                                environment: fault.map { ["ZOO_FAULT": $0] } ?? [:])
    }

    /// Converts every checkpoint format of `model` into `directory`; returns (format, converted path).
    static func convertEveryFormat(_ model: String, of set: ReferenceSet, into directory: URL) throws -> [(format: String, path: String)] {
        try set.entries.filter { $0.model == model }.map { entry in
            let output = directory.appendingPathComponent("\(entry.model)-\(entry.format).safetensors").path
            let result = try Converting.convert(set.path(entry.path), arch: set.architecture(for: entry), to: output)
            guard result.status == 0 else {
                throw TestEnvironment.Missing(description: "zoo convert \(entry.path) failed: \(result.stderr)")
            }
            return (entry.format, output)
        }
    }

    /// The worst normalised error in a report's CSV table (written beside `--report`).
    static func worstNormalisedError(csv path: String) throws -> Double {
        let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
        return rows.compactMap { Double($0.split(separator: ",")[7]) }.max() ?? .nan
    }
}

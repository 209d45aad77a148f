import Converter
import Foundation
import Zoo

/// Writes trained weights as a Zoo file: every parameter of the store (moving statistics included) in the
/// source file's order, the source's metadata as it was (graph, preprocessing, conversion provenance), and a
/// `training` entry saying where the weights came from. The writer builds the file under a temporary name and
/// renames it into place only when complete, so a failed write leaves nothing at `path`.
enum TrainedModelWriter {
    /// `provenance`: the run's recipe, written as the `training` metadata (JSON); `classNames`: the class folders' names
    /// in index order, recorded as `class_names` for `zoo predict`.
    static func write(_ parameters: ParameterStore, source: SafetensorsFile, to path: String, provenance: [String: Any],
                      classNames: [String]) throws {
        var metadata = source.metadataToCarry
        metadata[ClassNames.metadataKey] = try ClassNames.encode(classNames)
        let json = try JSONSerialization.data(withJSONObject: provenance, options: [.sortedKeys, .withoutEscapingSlashes])
        metadata["training"] = String(decoding: json, as: UTF8.self)
        var writer = try SafetensorsWriter(path: path, tensors: parameters.parameters.map { ($0.name, $0.value.shape) },
                                           dtype: .f32, metadata: metadata)
        for parameter in parameters.parameters {
            try parameter.value.withValues { try writer.append($0) }
        }
        try writer.finish()
    }

    /// Fails now, before any training, when `path`'s folder does not exist or cannot be written to, `path` is a folder,
    /// or, without `force`, an existing file (an earlier run's hours of training) or a symbolic link; returns the path
    /// to write (the link's target for a link).
    static func checkWritable(_ path: String, force: Bool) throws -> String {
        try FilePaths.checkWritable(path, role: "trained model", existing: .refuseUnlessForced, force: force)
    }
}

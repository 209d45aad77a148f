import Foundation

/// The class names a converted or trained file records under `class_names` (a JSON array, index order), so that
/// `zoo predict` prints names without being told them: given at conversion (`zoo convert --labels`) or taken from
/// a training run's class folders (`zoo train`).
public enum ClassNames {
    public static let metadataKey = "class_names"

    /// The names a file records, or nil when it records none; a value that is not a JSON array of strings is an
    /// error naming the file.
    public static func recorded(in metadata: [String: String], file: String) throws -> [String]? {
        guard let text = metadata[metadataKey] else { return nil }
        guard let names = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String] else {
            throw ConversionError(file: file, place: "metadata '\(metadataKey)'", "not a JSON array of class names")
        }
        return names
    }

    public static func encode(_ names: [String]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: names, options: [.withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// Fails unless the graph has one output whose last axis has one unit per name (when its size is known).
    static func check(_ names: [String], against graph: ModelGraph, file: String) throws {
        guard graph.outputs.count == 1, let units = try graph.layerOutputShapes()[graph.outputs[0]]?.last else {
            throw ConversionError(file: file, "--labels names the classes of one output; this model has outputs \(graph.outputs)")
        }
        if let units, units != names.count {
            throw ConversionError(file: file, "--labels gives \(names.count) name\(names.count == 1 ? "" : "s") for an output of \(units) classes")
        }
    }
}

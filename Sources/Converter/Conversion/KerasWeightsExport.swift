import Foundation

/// `zoo export --keras`: a Zoo file's weights, as they are now (after any fine-tuning), written as a
/// Keras 3 weights file (`model.save_weights("x.weights.h5")`'s layout), for `model.load_weights`.
///
/// Keras 3 loads such a file by variable path, not by layer name: each layer's variables are the
/// datasets `vars/0`, `vars/1`, … of `layers/<snake_case class>[_N]`, nested models under
/// `layers/<…>/layers/` (saving_lib `_save_state`, H5IOStore). Those paths depend on Keras classes
/// the Zoo graph does not record, so they come from the model config, through the same
/// `KerasConfigImporter.v3Paths` that reads such files; the export is the inverse of that mapping.
public enum KerasWeightsExport {
    public struct Summary: Sendable {
        public let layers: Int
        public let tensors: Int
        public let parameters: Int
    }

    /// Writes `output` from the Zoo file `input`; `modelConfig` is the Keras config (a `.keras`
    /// archive's `config.json`) of the model that will load it, `configFile` its file for messages.
    /// Nothing is left at `output` (or beside it) unless every weight was written.
    public static func run(input: String, output: String, modelConfig: String, configFile: String) throws -> Summary {
        let file = try SafetensorsFile(path: input)
        let graph = try graph(in: file)
        let paths = try KerasConfigImporter(file: configFile).v3Paths(json: modelConfig)
        let writer = try HDF5Writer(path: output)
        var layers = 0, tensors = 0
        for layer in graph.layers where !layer.weights.isEmpty {
            let shortName = String(layer.name.split(separator: "/").last ?? "")
            guard let path = paths[layer.name] ?? paths[shortName] else {
                throw ConversionError(file: configFile, place: "model config",
                                      "has no layer '\(layer.name)', which \(input) holds weights for (a different model?)")
            }
            // Keras records each saved object's name on its `vars` group (since Keras 3.6).
            try writer.createGroup("/\(path)/vars", attributes: ["name": shortName])
            for (index, spec) in layer.weights.enumerated() {
                let tensorName = layer.tensorName(of: spec)
                guard let info = file.tensor(named: tensorName) else {
                    throw ConversionError(file: input, place: tensorName, "is in the graph but not in the file")
                }
                guard info.shape == spec.shape else {
                    throw ConversionError(file: input, place: tensorName, "has shape \(info.shape), the graph says \(spec.shape)")
                }
                try file.floats(of: info).withUnsafeBufferPointer {
                    try writer.writeFloat32("/\(path)/vars/\(index)", shape: info.shape, values: $0)
                }
                tensors += 1
            }
            layers += 1
        }
        try writer.commit()
        return Summary(layers: layers, tensors: tensors, parameters: graph.parameterCount)
    }

    /// The graph `zoo convert` stored in the file's metadata.
    static func graph(in file: SafetensorsFile) throws -> ModelGraph {
        guard let json = file.metadata["graph"] else {
            throw ConversionError(file: file.path, place: "__metadata__", "has no 'graph': convert the checkpoint with `zoo convert` first")
        }
        do {
            return try JSONDecoder().decode(ModelGraph.self, from: Data(json.utf8))
        } catch {
            throw ConversionError(file: file.path, place: "__metadata__ graph", "is not a Zoo model graph (\(error))")
        }
    }
}

import ArgumentParser
import Converter
import Foundation
import Zoo

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Keras' model.summary() for a .safetensors, .h5 or .keras file: one row per layer, parameter totals.",
        discussion: """
        One row per layer in model order: name, type, output shape (None for the batch and any size known only \
        at run time), parameters, and whether they train. The totals split the parameters as Keras does: \
        BatchNormalization's moving statistics and frozen layers' weights are non-trainable. Nested models are \
        flattened: their layers are listed where Keras shows one row for the sub-model, named sub-model/layer. \
        A weights-only Keras file (.weights.h5) has no architecture: convert it with --arch and summarise the \
        result. `zoo inspect` lists the tensors, metadata and training attributes instead.

        Examples:
          zoo summary vgg16.safetensors
          zoo summary model.keras
        """
    )

    @Argument(help: "A converted .safetensors file, a full-model .h5 or a .keras archive.") var file: String

    func run() throws {
        do {
            try FilePaths.requireFile(file)
            print(try Self.table(of: try graph()))
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure(error)
        }
    }

    /// The file's own graph: a converted file's metadata, or a Keras model config imported as `convert` does.
    private func graph() throws -> ModelGraph {
        guard FilePaths.isKerasCheckpoint(file) else { return try Model.graph(in: SafetensorsFile(path: file)) }
        guard let config = try KerasCheckpoint(path: file).modelConfig else {
            throw CommandFailure("\(file): a weights-only file has no architecture: run `zoo convert \(file) --arch ARCH -o OUT.safetensors`, then `zoo summary OUT.safetensors`")
        }
        return try KerasConfigImporter(file: file).importGraph(json: config)
    }

    static func table(of graph: ModelGraph) throws -> String {
        let shapes = try graph.layerOutputShapes()
        let rows = graph.layers.map { layer -> [String] in
            [(layer.scope + [layer.name]).joined(separator: "/"), layer.op.rawValue,
             ModelGraph.kerasShapeText(shapes[layer.name] ?? []), layer.parameterCount.formatted(),
             layer.weights.isEmpty ? "-" : layer.trainable ? "yes" : "no"]
        }
        let trainable = graph.trainableParameterCount
        return (["Model: \"\(graph.name)\""]
                + InspectionReport.align([["Layer", "Type", "Output shape", "Params", "Trainable"]] + rows, rightAligned: [3])
                + ["Total params: \(graph.parameterCount.formatted())",
                   "Trainable params: \(trainable.formatted())",
                   "Non-trainable params: \((graph.parameterCount - trainable).formatted())"]).joined(separator: "\n")
    }
}

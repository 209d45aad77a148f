import ArgumentParser
import Converter
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a Zoo file's weights (as trained) as a Keras 3 .weights.h5 for model.load_weights.",
        discussion: """
        Keras 3 finds each layer's variables by a path built from Keras class names, which the Zoo graph does \
        not record: --config names the Keras model that will load the file (its .keras, full-model .h5, or \
        a model-config .json).

        Example:
          zoo export trained.safetensors --keras trained.weights.h5 --config model.keras
        """
    )

    @Argument(help: "The Zoo .safetensors file.") var input: String
    @Option(help: ArgumentHelp("The Keras 3 weights file to write.", valueName: "out.weights.h5")) var keras: String
    @Option(help: "The Keras model it is for: a .keras, a full-model .h5, or a model-config .json.") var config: String
    @Flag(help: "Replace an existing weights file, and write through a symbolic link there (replacing the file it points to).")
    var force = false

    func run() throws {
        do {
            try FilePaths.requireConvertedModel(input)
            try FilePaths.requireFile(config)
            if FilePaths.sameFile(input, keras) || FilePaths.sameFile(config, keras) {
                throw CommandFailure("\(keras): is an input file; give another name with --keras")
            }
            let destination = try FilePaths.checkWritable(keras, role: "Keras weights file", existing: .refuseUnlessForced, force: force)
            let json = config.hasSuffix(".json")
                ? try String(contentsOfFile: config, encoding: .utf8)
                : try KerasCheckpoint(path: config).modelConfig
            guard let json else { throw CommandFailure("\(config): holds no model config (a weights-only file?)") }
            let summary = try KerasWeightsExport.run(input: input, output: destination, modelConfig: json, configFile: config)
            print("\(keras): \(summary.layers) layers, \(summary.tensors) tensors, \(summary.parameters.formatted()) parameters")
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure(error)
        }
    }
}

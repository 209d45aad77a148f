import ArgumentParser
import Bench
import Converter
import Foundation
import Tensor
import Zoo

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a Keras checkpoint (.h5, .weights.h5, .keras) into one verified .safetensors file.",
        discussion: """
        Full-model files (model.save) carry their architecture. Weights-only files need --arch: a registry \
        name (\(Registry.entries.map(\.name).joined(separator: ", "))) or a Keras model config saved as JSON. \
        With --partial the file may hold more than the architecture (a fine-tuned model whose backbone you want): \
        its tensors are taken by layer name, and what is left out is listed.

        Examples:
          zoo convert model.h5 -o model.safetensors
          zoo convert vgg16_weights_tf_dim_ordering_tf_kernels.h5 --arch vgg16 -o vgg16.safetensors
        """
    )

    @Argument(help: "The Keras checkpoint.") var input: String
    @Option(name: .shortAndLong, help: "Output file (default: the input name with .safetensors); never the input, and an existing file only with --force.") var output: String?
    @Option(help: "Architecture for weights-only files: a registry name, a model-config .json, or a full-model .h5/.keras.") var arch: String?
    @Option(help: "Storage precision: f32, f16 or bf16.") var dtype: String = "f32"
    @Option(help: ArgumentHelp("Preprocessing to record: caffe, tf, torch, rescale:<factor> or none (default: the registry's for a known model, else none).",
                               valueName: "preprocessing"),
            transform: { text in
                guard let preprocessing = Preprocessing(text) else {
                    throw ValidationError("--preprocess must be \(Preprocessing.textForms), not '\(text)'")
                }
                return preprocessing
            })
    var preprocess: Preprocessing?
    @Flag(help: "Take the architecture's tensors from a file that holds more, by layer name, and list what is left out.")
    var partial = false
    @Flag(help: "Replace the output file if it exists (never the input), or the file a symbolic link there points to: the new file is written under a temporary name and renamed over it.")
    var force = false
    @Flag(help: "No progress line.") var quiet = false
    @Option(help: ArgumentHelp("Class names to record in the file (zoo predict prints them): a file (one name per line, or Keras' class index .json) or a comma-separated list.",
                               valueName: "file|a,b,c"))
    var labels: String?

    func run() throws {
        do {
            guard let storage = StorageDType(rawValue: dtype.uppercased()) else {
                throw ValidationError("--dtype must be f32, f16 or bf16, not '\(dtype)'")
            }
            if let arch, FilePaths.isKerasCheckpoint(arch) { try IsolatedCheckpointIndex.check(arch) }
            let architecture = try arch.map(Architectures.resolve)
            let outputPath = output ?? Self.defaultOutput(for: input)
            let destination = try Self.checkPaths(input: input, output: outputPath, force: force)
            try IsolatedCheckpointIndex.check(input)
            var request = Conversion.Request(input: input, output: destination, dtype: storage, preprocess: preprocess?.description,
                                             knownArchitectures: Registry.entries.map(\.name),
                                             defaultPreprocess: { (Registry.identify($0)?.preprocessing ?? .none).description })
            request.partial = partial
            request.classNames = try labels.map { try ClassLabels(argument: $0).names }
            if let architecture {
                request.architecture = (architecture.name, architecture.graph, architecture.entry?.parameters)
            }
            var bar: ProgressReporter?
            let summary = try Conversion.run(request) { progress in
                guard !quiet else { return }
                bar = bar ?? ProgressReporter("converting \((input as NSString).lastPathComponent)",
                                              total: progress.bytesTotal / 1_000_000, unit: "MB")
                bar?.report(done: progress.bytesDone / 1_000_000)
            }
            print("\(outputPath): \(summary.tensors) tensors, \(summary.parameters.formatted()) parameters, "
                  + "\(summary.outputBytes.formatted()) bytes (\(storage.rawValue), \(summary.format.rawValue), weights matched \(summary.strategy.rawValue))")
            if partial { print(Self.leftOutReport(summary.leftOut)) }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw CommandFailure(error)
        }
    }

    /// Before any work: the input is a file, the output is never the input (whatever the spelling or link), and
    /// an existing output, or a symbolic link there, is replaced only with --force. Returns the path to write (the
    /// link's target for a link).
    static func checkPaths(input: String, output: String, force: Bool) throws -> String {
        try FilePaths.requireFile(input)
        if FilePaths.sameFile(input, output) {
            throw CommandFailure("\(output): is the input file; give another output name with -o")
        }
        return try FilePaths.checkWritable(output, role: "output", existing: .refuseUnlessForced, force: force)
    }

    /// One line per tensor of the file the conversion did not take: its layer, place and shape.
    static func leftOutReport(_ groups: [KerasCheckpoint.WeightGroup]) -> String {
        let tensors = groups.flatMap { group in group.weights.map { (group.name ?? "?", $0) } }
        let lines = tensors.map { layer, weight in
            "  \(layer): \(weight.place) (\(weight.shape.map(String.init).joined(separator: ", ")))"
        }
        let headline = "left out \(tensors.count) tensor\(tensors.count == 1 ? "" : "s") of \(groups.count) layer\(groups.count == 1 ? "" : "s")"
        return ([headline + (lines.isEmpty ? "" : ":")] + lines).joined(separator: "\n")
    }

    static func defaultOutput(for input: String) -> String {
        var base = input
        for suffix in [".weights.h5", ".h5", ".hdf5", ".keras"] where base.hasSuffix(suffix) {
            base.removeLast(suffix.count)
            break
        }
        return base + ".safetensors"
    }
}

import ArgumentParser
import Ceilings
import Converter
import Foundation
import Tensor
import Zoo

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Time every layer of a converted model and set it against this machine's measured FMA peak and memory bandwidth.",
        discussion: """
        Measures the machine's ceilings first (`zoo ceilings`, about a second, on the same threads), then runs the \
        model on seeded random images: one run to learn the shapes, --warmup untimed runs, --runs timed runs with \
        every step timed. Prints a Markdown table (the 10 slowest steps, then every step in execution order): median \
        time, GFLOP/s, bytes moved (weights plus activations read and written), the share of the FMA peak and of the \
        memory bandwidth, and which of the two bounds the step (roofline style). In the fused mode (the default, what \
        `predict` runs) a step is a convolution with the BatchNormalization, add and activation it absorbed. \
        Progress goes to standard error.

        Examples:
          zoo profile resnet50.safetensors --batch 1 --runs 20
          zoo profile vgg16.safetensors --size 512x512 --svg vgg16-profile.svg --csv vgg16-profile.csv
        """
    )

    @Argument(help: "A converted .safetensors file (zoo convert).") var model: String
    @Option(help: "Images per forward pass.") var batch = 1
    @Option(help: "Input height and width, e.g. 512x512 (default: the model's own input size).") var size: String?
    @Option(help: "Timed runs; each step's time is the median over them.") var runs = 10
    @Option(help: "Untimed runs before the timed ones.") var warmup = 2
    @Option(help: "Threads for the kernels and the ceilings (default: every core this process may use).") var threads: Int?
    @Option(help: "fused (the inference path) or layer-by-layer (one step per Keras layer, unfused).") var mode = "fused"
    @Flag(help: "Print the profile as JSON instead of the Markdown table.") var json = false
    @Option(help: "Also write the bar chart here (SVG).") var svg: String?
    @Option(help: "Also write the table here (CSV).") var csv: String?

    func validate() throws {
        for (name, value, least) in [("--batch", batch, 1), ("--runs", runs, 1), ("--warmup", warmup, 0), ("--threads", threads ?? 1, 1)] where value < least {
            throw ValidationError("\(name) must be at least \(least), not \(value)")
        }
        if let size, Self.parse(size: size) == nil { throw ValidationError("--size must be HEIGHTxWIDTH with positive numbers, e.g. 224x224, not \(size)") }
        if Model.Mode(rawValue: mode) == nil {
            throw ValidationError("--mode must be one of \(Model.Mode.allCases.map(\.rawValue).joined(separator: ", ")), not \(mode)")
        }
    }

    func run() throws {
        do {
            try FilePaths.requireConvertedModel(model)
            let outputs = [(svg, "chart"), (csv, "table")].compactMap { path, role in path.map { ($0, role) } }
            for (path, role) in outputs {
                if FilePaths.sameFile(path, model) { throw CommandFailure("\(path): is the model; give the \(role) another name") }
                try FilePaths.checkWritable(path, role: role, existing: .replace)
            }
            let threads = threads ?? MachineCeilings.onlineCores
            Parallelism.workers = threads
            let loaded = try Model(file: SafetensorsFile(path: model), mode: Model.Mode(rawValue: mode)!)
            let input = try images(for: loaded)
            progress("measuring this machine's ceilings on \(threads) thread\(threads == 1 ? "" : "s") (about a second)")
            let ceilings = MachineCeilings.measure(threads: threads)
            progress(ceilings.summary)
            progress("profiling \(loaded.graph.name): input \(input.shape.map(String.init).joined(separator: "x")), \(warmup) warm-up and \(runs) timed runs")
            let load = LoadAverage.current
            let report = ProfileReport(try loaded.profile([input], runs: runs, warmup: warmup, ceilings: ceilings), loadAverage: load)
            var files: [(path: String, text: String)] = []
            if let svg { files.append((svg, ProfileChart.svg(report))) }
            if let csv { files.append((csv, report.csv)) }
            try FileSetWriter.write(files, role: "profile")
            print(json ? try report.json() : report.markdown(), terminator: "")
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure("\(model): \(error)")
        }
    }

    /// Seeded random images in the range of caffe-preprocessed pixels (about -128...128): the values do not change
    /// the kernels' work, but zeros could (a ReLU of zeros is all zeros, and denormals are slow).
    private func images(for model: Model) throws -> Tensor {
        guard model.inputShapes.count == 1, let declared = model.inputShapes.first, declared.count == 3, let channels = declared[2] else {
            throw CommandFailure("\(self.model): profiles take a model with one image input (height, width, channels); this one takes \(model.inputShapes)")
        }
        let given = size.flatMap(Self.parse(size:))
        guard let height = given?.height ?? declared[0], let width = given?.width ?? declared[1] else {
            throw CommandFailure("\(self.model): the model accepts any image size: give one with --size, e.g. --size 224x224")
        }
        let shape = [batch, height, width, channels]
        var generator = SplitMix64(seed: 2019)
        return try Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in generator.unitFloat() * 256 - 128 })
    }

    static func parse(size: String) -> (height: Int, width: Int)? {
        let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts.allSatisfy({ $0 > 0 }) else { return nil }
        return (parts[0], parts[1])
    }

    private func progress(_ message: String) {
        StandardError.print("profile: \(message)")
    }
}

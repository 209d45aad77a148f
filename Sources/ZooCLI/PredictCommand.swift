import ArgumentParser
import Bench
import Foundation
import Tensor
import Zoo

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Class probabilities (or any output) of a converted model for PNG/JPEG images.",
        discussion: """
        Images are loaded as Keras' load_img does (RGB, 0-255), resized to the model's input when their size
        differs, and preprocessed as the file's metadata says unless --preprocess overrides it (none: raw
        0-255 values; one channel, Pillow's luma, for one-channel models).
        """
    )

    enum PreprocessChoice: String, ExpressibleByArgument, CaseIterable { case caffe, tf, torch, rescale, none }

    @Argument(help: "The converted .safetensors model.") var model: String
    @Argument(help: "PNG or JPEG files.") var images: [String]
    // Unconditional, so that `--top -1` reaches validate() and is answered there, not taken for an option.
    @Option(parsing: .unconditional, help: "How many classes to list per image.") var top: Int = 5
    @Option(help: "Preprocessing (default: the model's own, from its metadata): caffe, tf, torch, rescale or none.") var preprocess: PreprocessChoice?
    @Option(help: "Resize interpolation when the image size differs from the model's input: nearest (Keras load_img) or bilinear.")
    var interpolation: ImageLoader.Interpolation = .nearest
    @Option(help: ArgumentHelp("16-bit grayscale PNGs: clip (Pillow and Keras: values above 255 become 255) or the number of significant bits to scale from (9-16; 12 for 12-bit X-rays).", valueName: "clip|bits"),
            transform: { argument in
                guard let rule = ImageLoader.SixteenBit(argument: argument) else {
                    throw ValidationError("must be clip or a number of bits from 9 to 16, not '\(argument)'")
                }
                return rule
            })
    var sixteenBit: ImageLoader.SixteenBit = .clip
    @Option(help: "Run this registry architecture's graph instead of the file's own.") var arch: String?
    @Option(help: ArgumentHelp("Class names to print next to the indices: a file (one name per line, or Keras' class index .json) or a comma-separated list.",
                               valueName: "file|a,b,c"))
    var labels: String?
    @Flag(help: "One JSON line per image: {\"image\", \"shape\", \"top\": [{\"index\", \"name\", \"probability\"}]} (--top of them).") var json = false
    @Flag(help: "With --json, also the raw output tensor as \"values\".") var raw = false

    func validate() throws {
        guard top > 0 else { throw ValidationError("--top must be a positive number, not \(top)") }
        guard !raw || json else { throw ValidationError("--raw is for --json (the raw output tensor in each JSON line)") }
    }

    func run() throws {
        do {
            // Every image is checked before the model loads, so a wrong path fails at once.
            for path in images { try FilePaths.requireFile(path) }
            let loaded = try ModelLoading(model, architecture: arch, mode: .fused).model
            guard loaded.graph.inputs.count == 1, loaded.graph.outputs.count == 1, let inputShape = loaded.inputShapes.first,
                  inputShape.count == 3, let channels = inputShape[2], channels == 1 || channels == 3 else {
                throw CommandFailure("\(model): predict needs one image input of 1 or 3 channels and one output; this model has inputs \(loaded.inputShapes) and \(loaded.graph.outputs.count) output(s)")
            }
            let names = try labels.map(ClassLabels.init(argument:))
            let printer = PredictionPrinter(top: top, labels: names, labelSource: labels ?? "", raw: raw)
            let preprocessing = Self.preprocessing(choice: preprocess, stored: loaded.preprocessing)
            var loader = ImageLoader(targetSize: nil, interpolation: interpolation, sixteenBit: sixteenBit)
            for path in images {
                let decoded = try loader.decoder.decode(ImageDecoder.read(URL(fileURLWithPath: path)), file: path)
                loader.targetSize = ImageLoader.Size(width: inputShape[1] ?? decoded.width, height: inputShape[0] ?? decoded.height)
                let input = try loader.convert(decoded).modelInput(channels: channels, preprocessing: preprocessing)
                let output = try loaded.run([input])[0]
                print(json ? try printer.jsonLine(image: path, output: output) : try printer.ranking(image: path, output: output))
            }
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure(error)
        }
    }

    /// `--preprocess` if given (rescale keeps the model's own factor, else 1/255), else the model's own.
    static func preprocessing(choice: PreprocessChoice?, stored: Preprocessing) -> Preprocessing {
        switch choice {
        case .some(.caffe): return .caffe
        case .some(.tf): return .tf
        case .some(.torch): return .torch
        case .some(.none): return .none
        case .some(.rescale):
            if case .rescale = stored { return stored }
            return .notebooks
        case nil: return stored
        }
    }
}

extension ImageLoader.Interpolation: ExpressibleByArgument {}

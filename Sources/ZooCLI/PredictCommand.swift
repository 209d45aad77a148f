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

    enum PreprocessChoice: String, ExpressibleByArgument, CaseIterable { case caffe, rescale, none }

    @Argument(help: "The converted .safetensors model.") var model: String
    @Argument(help: "PNG or JPEG files.") var images: [String]
    @Option(help: "How many classes to list per image.") var top: Int = 5
    @Option(help: "Preprocessing (default: the model's own, from its metadata): caffe, rescale or none.") var preprocess: PreprocessChoice?
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
    @Flag(help: "One JSON line per image with the raw output tensor: {\"image\", \"shape\", \"values\"}.") var json = false

    func validate() throws {
        guard top > 0 else { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        do {
            let loaded = try ModelLoading(model, architecture: arch, mode: .fused).model
            guard loaded.graph.inputs.count == 1, loaded.graph.outputs.count == 1, let inputShape = loaded.inputShapes.first,
                  inputShape.count == 3, let channels = inputShape[2], channels == 1 || channels == 3 else {
                throw CommandFailure("\(model): predict needs one image input of 1 or 3 channels and one output; this model has inputs \(loaded.inputShapes) and \(loaded.graph.outputs.count) output(s)")
            }
            let preprocessing = Self.preprocessing(choice: preprocess, stored: loaded.preprocessing)
            var loader = ImageLoader(targetSize: nil, interpolation: interpolation, sixteenBit: sixteenBit)
            for path in images {
                let decoded = try loader.decoder.decode(ImageDecoder.read(URL(fileURLWithPath: path)), file: path)
                loader.targetSize = ImageLoader.Size(width: inputShape[1] ?? decoded.width, height: inputShape[0] ?? decoded.height)
                let input = try loader.convert(decoded).modelInput(channels: channels, preprocessing: preprocessing)
                let output = try loaded.run([input])[0]
                print(json ? Self.jsonLine(image: path, output: output) : Self.ranking(image: path, output: output, top: top))
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
        case .some(.none): return .none
        case .some(.rescale):
            if case .rescale = stored { return stored }
            return .notebooks
        case nil: return stored
        }
    }

    static func ranking(image: String, output: Tensor, top: Int) -> String {
        let values = output.toArray()
        guard output.rank == 2 else {
            return "\(image): output \(output.shape) is not a class vector; use --json for the raw tensor"
        }
        let ranked = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }.prefix(top)
        return "\(image): " + ranked.enumerated().map { rank, index in
            "\(rank + 1). class \(index) \(String(format: "%.6f", values[index]))"
        }.joined(separator: "  ")
    }

    static func jsonLine(image: String, output: Tensor) -> String {
        let values = output.toArray().map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ",")
        let shape = output.shape.map(String.init).joined(separator: ",")
        return "{\"image\": \(jsonString(image)), \"shape\": [\(shape)], \"values\": [\(values)]}"
    }

    private static func jsonString(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

extension ImageLoader.Interpolation: ExpressibleByArgument {}

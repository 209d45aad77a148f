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
        Images are loaded as Keras' load_img does (RGB, 0-255), resized to the model's input when their size \
        differs, and preprocessed as the file's metadata says unless --preprocess overrides it (none: raw \
        0-255 values; one channel, Pillow's luma, for one-channel models). The model file's data hash is checked \
        the first time it is used. An image that cannot be read is reported and the others are still predicted; \
        the exit status is then 1.

        A model with several inputs (an image and clinical metadata, say) takes one --input NAME=PATH per input         instead of images: an image file goes through the image path above, a .npy file holds a float32 array of         the input's shape without the batch axis (np.save). Every output is printed, by name.

        Examples:
          zoo predict vgg16.safetensors cat.jpg dog.png --top 3
          zoo predict tb-vgg16.safetensors xrays/*.png --labels normal,tuberculosis --json
          zoo predict lesion.safetensors --input image=lesion.jpg --input metadata=patient.npy --json
        """
    )

    enum PreprocessChoice: String, ExpressibleByArgument, CaseIterable { case caffe, tf, torch, rescale, none }

    @Argument(help: "The converted .safetensors model.") var model: String
    @Argument(help: "PNG or JPEG files, for a model of one image input.") var images: [String] = []
    @Option(name: .customLong("input"), help: ArgumentHelp("One input of a model with several, by its name: an image file, or a float32 .npy of the input's shape without the batch axis. Once per input; one prediction of them all.", valueName: "name=path"))
    var namedInputs: [String] = []
    // Unconditional, so that `--top -1` reaches validate() and is answered there, not taken for an option.
    @Option(parsing: .unconditional, help: "How many classes to list per image.") var top: Int = 5
    @Option(help: "Preprocessing (default: the model's own, from its metadata): caffe, tf, torch, rescale or none.") var preprocess: PreprocessChoice?
    @Option(help: "Resize interpolation when the image size differs from the model's input: nearest (Keras load_img) or bilinear.")
    var interpolation: ImageLoader.Interpolation = .nearest
    @Option(help: ArgumentHelp("16-bit grayscale PNGs: clip (Pillow and Keras: values above 255 become 255) or the number of significant bits to scale from (9-16; 12 for 12-bit X-rays). Default: clip, with a warning when it clips.", valueName: "clip|bits"),
            transform: { argument in
                guard let rule = ImageLoader.SixteenBit(argument: argument) else {
                    throw ValidationError("must be clip or a number of bits from 9 to 16, not '\(argument)'")
                }
                return rule
            })
    var sixteenBit: ImageLoader.SixteenBit?
    @Option(help: "Run this registry architecture's graph instead of the file's own.") var arch: String?
    @Option(help: ArgumentHelp("Class names to print next to the indices: a file (one name per line, or Keras' class index .json) or a comma-separated list (default: the names the model file records, if any).",
                               valueName: "file|a,b,c"))
    var labels: String?
    @Flag(help: "One JSON line per image: {\"image\", \"shape\", \"top\": [{\"index\", \"name\", \"probability\"}]} (--top of them).") var json = false
    @Flag(help: "With --json, also the raw output tensor as \"values\".") var raw = false
    @Flag(name: .customLong("no-verify"), help: "Skip the data hash check of the model file (made on its first use).") var skipDataHash = false

    func validate() throws {
        guard images.isEmpty != namedInputs.isEmpty else {
            throw ValidationError(images.isEmpty ? "give the images to predict, or --input NAME=PATH for each input of a model with several"
                                                 : "give images (a model of one image input) or --input NAME=PATH, not both")
        }
        guard top > 0 else { throw ValidationError("--top must be a positive number, not \(top)") }
        guard !raw || json else { throw ValidationError("--raw is for --json (the raw output tensor in each JSON line)") }
    }

    func run() throws {
        if !namedInputs.isEmpty { return try predictNamedInputs() }
        var recordedNames: [String]?
        let (loaded, inputShape, channels) = try CommandFailure.converting { () throws -> (Model, [Int?], Int) in
            // Every path is checked before the model loads, so a mistyped one fails at once.
            for path in images { try FilePaths.requireFile(path) }
            let loading = try ModelLoading(model, architecture: arch, mode: .fused, verifyData: !skipDataHash)
            recordedNames = loading.classNames
            let loaded = loading.model
            guard loaded.graph.inputs.count == 1, loaded.graph.outputs.count == 1, let inputShape = loaded.inputShapes.first,
                  inputShape.count == 3, let channels = inputShape[2], channels == 1 || channels == 3 else {
                throw CommandFailure("\(model): predict needs one image input of 1 or 3 channels and one output; this model has inputs \(loaded.inputShapes) and \(loaded.graph.outputs.count) output(s)")
            }
            return (loaded, inputShape, channels)
        }
        let printer = try CommandFailure.converting {
            // --labels wins over the names the file records (zoo convert --labels, zoo train's class folders).
            if let labels { return PredictionPrinter(top: top, labels: try ClassLabels(argument: labels), labelSource: "--labels \(labels)", raw: raw) }
            return PredictionPrinter(top: top, labels: recordedNames.map(ClassLabels.init(names:)), labelSource: "\(model)'s class_names metadata", raw: raw)
        }
        let preprocessing = Self.preprocessing(choice: preprocess, stored: loaded.preprocessing)
        var loader = ImageLoader(targetSize: nil, interpolation: interpolation, sixteenBit: sixteenBit ?? .clip)
        var failed: [String] = []
        var warnedOfClipping = false
        // An image that cannot be read is reported and the others still predicted: one bad file in a folder of
        // thousands should not cost the rest.
        for path in images {
            do {
                let input = try imageInput(path, shape: inputShape, channels: channels, loader: &loader, preprocessing: preprocessing,
                                           warnedOfClipping: &warnedOfClipping)
                let output = try loaded.run([input])[0]
                print(json ? try printer.jsonLine(image: path, output: output) : try printer.ranking(image: path, output: output))
            } catch {
                guard images.count > 1 else { throw CommandFailure(error) }
                StandardError.print("Error: \(CommandFailure(error).description)")
                failed.append(path)
            }
        }
        if !failed.isEmpty {
            throw CommandFailure("\(failed.count) of \(images.count) images could not be predicted (named above); the other \(images.count - failed.count) were")
        }
    }

    /// The model input for one image file: decoded, resized to the input's `shape` where it fixes a size, preprocessed.
    private func imageInput(_ path: String, shape: [Int?], channels: Int, loader: inout ImageLoader, preprocessing: Preprocessing,
                            warnedOfClipping: inout Bool) throws -> Tensor {
        let decoded = try loader.decoder.decode(ImageDecoder.read(URL(fileURLWithPath: path)), file: path)
        if sixteenBit == nil, !warnedOfClipping, decoded.clipsAbove255 {
            warnedOfClipping = true
            StandardError.print("warning: \(path) is a 16-bit PNG: values above 255 are clipped to 255, as Keras' load_img does, which turns most X-rays nearly white; --sixteen-bit 12 (or the image's significant bits) scales them instead, --sixteen-bit clip silences this")
        }
        loader.targetSize = ImageLoader.Size(width: shape[1] ?? decoded.width, height: shape[0] ?? decoded.height)
        return try loader.convert(decoded).modelInput(channels: channels, preprocessing: preprocessing)
    }

    /// `--input NAME=PATH` for every input of the model: one prediction, each output printed by name (as a JSON line of
    /// them all with --json). Class names apply to a model of one output only.
    private func predictNamedInputs() throws {
        let (loaded, feeds) = try CommandFailure.converting { () throws -> (Model, [String: String]) in
            var feeds: [String: String] = [:]
            for argument in namedInputs {
                guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex, argument.last != "=" else {
                    throw CommandFailure("--input \(argument): expected NAME=PATH, NAME one of the model's inputs")
                }
                let name = String(argument[..<equals]), path = String(argument[argument.index(after: equals)...])
                guard feeds.updateValue(path, forKey: name) == nil else { throw CommandFailure("--input \(name) is given twice") }
                try FilePaths.requireFile(path)
            }
            let loaded = try ModelLoading(model, architecture: arch, mode: .fused, verifyData: !skipDataHash).model
            let inputs = loaded.graph.inputs
            for name in feeds.keys.sorted() where !inputs.contains(name) {
                throw CommandFailure("\(model) has no input '\(name)'; its inputs: \(inputs.joined(separator: ", "))")
            }
            let missing = inputs.filter { feeds[$0] == nil }
            guard missing.isEmpty else {
                throw CommandFailure("\(model) also needs " + missing.map { "--input \($0)=PATH" }.joined(separator: ", ")
                                     + " (its inputs: \(inputs.joined(separator: ", ")))")
            }
            guard labels == nil || loaded.graph.outputs.count == 1 else {
                throw CommandFailure("--labels names the classes of one output; \(model) has \(loaded.graph.outputs.count): \(loaded.graph.outputs.joined(separator: ", "))")
            }
            return (loaded, feeds)
        }
        let preprocessing = Self.preprocessing(choice: preprocess, stored: loaded.preprocessing)
        var loader = ImageLoader(targetSize: nil, interpolation: interpolation, sixteenBit: sixteenBit ?? .clip)
        var warnedOfClipping = false
        let outputs = try CommandFailure.converting { () throws -> [Tensor] in
            let tensors = try zip(loaded.graph.inputs, loaded.inputShapes).map { name, shape in
                let path = feeds[name]!
                if path.lowercased().hasSuffix(".npy") { return try Self.arrayInput(path, name: name, shape: shape) }
                guard shape.count == 3, let channels = shape[2], channels == 1 || channels == 3 else {
                    throw CommandFailure("--input \(name)=\(path): an image for input '\(name)' of shape \(Model.describe(shape)), which is not an image of 1 or 3 channels; give a .npy")
                }
                return try imageInput(path, shape: shape, channels: channels, loader: &loader, preprocessing: preprocessing,
                                      warnedOfClipping: &warnedOfClipping)
            }
            return try loaded.run(tensors)
        }
        let printer = try CommandFailure.converting {
            if let labels { return PredictionPrinter(top: top, labels: try ClassLabels(argument: labels), labelSource: "--labels \(labels)", raw: raw) }
            return PredictionPrinter(top: top, labels: nil, labelSource: "", raw: raw)
        }
        let named = zip(loaded.graph.outputs, outputs).map { (name: $0, tensor: $1) }
        try CommandFailure.converting {
            if json { print(try printer.jsonLine(inputs: feeds, outputs: named)) }
            else { for (name, output) in named { print(try printer.ranking(image: name, output: output)) } }
        }
    }

    /// A `.npy` input: float32 values of the input's shape (any size where the model accepts any), given a batch axis of 1.
    private static func arrayInput(_ path: String, name: String, shape: [Int?]) throws -> Tensor {
        let array = try NumPyArray.read(path: path)
        guard array.rank == shape.count, zip(array.shape, shape).allSatisfy({ actual, wanted in wanted.map { $0 == actual } ?? true }) else {
            throw CommandFailure("\(path): holds an array of shape \(array.shape); input '\(name)' takes \(Model.describe(shape)) (without the batch axis)")
        }
        return try array.reshaped([1] + array.shape)
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

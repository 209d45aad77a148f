import ArgumentParser
import Bench
import Converter
import Foundation
import Training
import Zoo

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a converted model on class folders of images, as Keras' model.fit would (docs/training.md).",
        discussion: """
            The images of --data (one folder per class, sorted names = class indices, as flow_from_directory) are \
            resized to the model's input and preprocessed as its metadata says. Categorical cross-entropy, accuracy, \
            the layers' regularisers; an epoch is --steps-per-epoch batches (default: one pass) of an endless, \
            reshuffled stream. Everything is checked before the first step: layers Zoo cannot train, classes against \
            the output units, empty class folders, images that do not decode, the output folder.

            Examples:
              zoo train tb-vgg16.safetensors --data xrays/train --val xrays/val --epochs 10 -o trained.safetensors
              zoo train model.safetensors --data images --epochs 5 --class-weight balanced -o trained.safetensors
            """
    )

    enum OptimizerChoice: String, ExpressibleByArgument, CaseIterable { case adam, sgd, rmsprop }

    @Argument(help: "The converted .safetensors model to start from.") var model: String
    @Option(help: "Training images: one folder per class.") var data: String
    @Option(help: "Validation images, with the same class folders.") var val: String?
    @Option(help: "Epochs to train.") var epochs: Int
    @Option(help: "Images per batch.") var batchSize: Int
    @Option(help: "Batches per epoch (default: one pass over --data).") var stepsPerEpoch: Int?
    @Option(help: "adam, sgd or rmsprop, with Keras' defaults.") var optimizer: OptimizerChoice = .adam
    @Option(help: "Learning rate (default: Keras' for the optimizer: adam and rmsprop 0.001, sgd 0.01).") var lr: Float?
    @Option(help: "Train this layer and every layer after it; freeze those before (default: what the file marks trainable).")
    var trainableFrom: String?
    @Option(help: "What a frozen BatchNormalization does in training: keras2 (batch statistics, as Keras 2.2) or tf2 (moving statistics).")
    var bnFrozen: FrozenBatchNorm = .tf2
    @Flag(help: "Keep the images in file order instead of reshuffling every pass.") var noShuffle = false
    @Flag(help: "No augmentation (default: the TB notebooks' mild one: rotation 5, shifts 0.15, zoom 0.1, shear 0.01, horizontal flip).")
    var noAugment = false
    @Option(help: ArgumentHelp("Weigh each training image's loss by its class, as Keras' fit(class_weight=): balanced (images / (classes x class images)) or NAME=W,... by class folder name or index (others 1).",
                               valueName: "balanced|name=w,..."))
    var classWeight: ClassWeightOption?
    @Option(help: "Seed of the shuffles, the augmentation and dropout.") var seed: UInt64 = 2019
    @Option(help: "Images that do not decode: skip (leave them out, and say which) or fail.") var badImages: TrainingData.BadImages = .fail
    @Option(help: ArgumentHelp("Write each epoch's logs here as Keras' CSVLogger does.", valueName: "file.csv")) var history: String?
    @Option(name: .shortAndLong, help: "Where to write the trained model (.safetensors).") var output: String
    @Flag(help: "Replace an existing output, and write through a symbolic link at the output or --history (replacing the file it points to).")
    var force = false

    func validate() throws {
        guard epochs > 0, batchSize > 0 else { throw ValidationError("--epochs and --batch-size must be at least 1") }
        if let stepsPerEpoch, stepsPerEpoch <= 0 { throw ValidationError("--steps-per-epoch must be at least 1") }
        if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number, not \(lr)") }
    }

    func run() throws {
        var logger: CSVLogger?
        do {
            if FilePaths.sameFile(model, output) {
                throw CommandFailure("\(output): is the model being trained; give another output name with -o (the starting weights stay as they are)")
            }
            let destination = try TrainedModelWriter.checkWritable(output, force: force)
            logger = try history.map { CSVLogger(url: URL(fileURLWithPath: try historyDestination($0, output: destination))) }
            let file = try SafetensorsFile(path: model)
            // Hashed from now, while the rest runs: the provenance names the file that was read.
            let sourceDigest = BackgroundDigest(path: model)
            let graph = try Model.graph(in: file)
            let inputShape = try Self.imageInput(of: graph, file: model)
            let store = try ParameterStore(graph: graph, weights: file)
            if let trainableFrom { try store.trainFrom(trainableFrom, in: graph) }
            guard store.trainableCount > 0 else { throw CommandFailure("\(model): no layer is trainable; name one with --trainable-from") }
            let trainingModel: TrainingModel
            do {
                trainingModel = try TrainingModel(graph: graph, parameters: store, frozenBatchNorm: bnFrozen, dropoutSeed: seed)
            } catch {
                throw CommandFailure("\(model): \(error); zoo train cannot train this model")
            }

            let outputShape = trainingModel.outputShapes[0]
            guard outputShape.count == 1, let classes = outputShape[0], classes > 1 else {
                let perImage = "[" + outputShape.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + "]"
                throw CommandFailure("\(model): the output '\(graph.outputs[0])' is \(perImage) per image, not a vector of class scores; zoo train fits a softmax classifier")
            }
            let training = try TrainingData(data, option: "--data", classes: classes, outputName: graph.outputs[0],
                                            expectedNames: nil, badImages: badImages)
            let validation = try val.map {
                try TrainingData($0, option: "--val", classes: classes, outputName: graph.outputs[0],
                                 expectedNames: training.dataset.classNames, badImages: badImages)
            }
            let skipped = training.skipped + (validation?.skipped ?? [])
            for image in skipped { StandardError.print("skipped: \(image.file): \(image.problem)") }

            let classNames = training.dataset.classNames
            let classWeights = try classWeight?.weights(classes: classNames, counts: training.split.classCounts(classCount: classNames.count))
            let preprocessing = try Model.preprocessing(in: file)
            let size = ImageLoader.Size(width: inputShape[1], height: inputShape[0])
            let stream = try training.stream(size: size, config: BatchConfig(
                batchSize: batchSize, shuffle: !noShuffle, seed: seed, augmentation: noAugment ? nil : .tuberculosisNotebooks,
                preprocessing: preprocessing, classWeights: classWeights))
            // Every evaluation takes one unshuffled pass, so one stream continued from pass to pass gives each
            // evaluation the batches a restarted one would (Keras restarts its validation generator).
            let validationStream = try validation.map {
                try $0.stream(size: size, config: BatchConfig(batchSize: batchSize, shuffle: false, seed: seed, preprocessing: preprocessing))
            }
            let settings = Fit.Settings(epochs: epochs, stepsPerEpoch: stepsPerEpoch ?? stream.stream.batchesPerPass,
                                        validationSteps: validationStream?.stream.batchesPerPass ?? 0)
            let optimizer = makeOptimizer()
            let learningRate = optimizer.learningRate
            let fit = try Fit(model: trainingModel, optimizer: optimizer,
                              callbacks: [TrainingProgress(epochs: epochs, steps: settings.stepsPerEpoch)] + (logger.map { [$0] } ?? []))
            let logs = try fit.run(training: stream, validation: validationStream.map { batches in { () -> any TrainingBatches in batches } }, settings: settings)

            try TrainedModelWriter.write(store, source: file, to: destination, provenance: provenance(
                settings: settings, learningRate: learningRate, sourceSHA256: try sourceDigest.value(),
                trained: store.trainableParameters.map(\.name), skipped: skipped.map(\.path), classes: classNames, classWeights: classWeights),
                classNames: classNames)
            print(summary(logs, settings: settings, images: training.split.images.count, skipped: skipped.count))
        } catch {
            // A log this run wrote is incomplete; one it has not touched yet is someone else's.
            if let logger, logger.hasWritten { try? FileManager.default.removeItem(at: logger.url) }
            if let failure = error as? CommandFailure { throw failure }
            throw CommandFailure(error)
        }
    }

    /// Where the history goes: `path`, or with --force the file a symbolic link there ends at (checked as the model's
    /// output is, before any training). The log is rewritten every epoch, so it must be neither the model being
    /// trained nor the trained model's file (`output`, already resolved), however either is spelled.
    func historyDestination(_ path: String, output: String) throws -> String {
        let target = try FilePaths.checkWritable(path, role: "history", existing: .replace, force: force)
        let resolved = { (path: String) in URL(fileURLWithPath: path).standardizedFileURL.path }
        if FilePaths.sameFile(target, model) || FilePaths.sameFile(target, output) || resolved(target) == resolved(output) {
            throw CommandFailure("\(path): is the model being trained or the trained model's file; give --history another name (a .csv)")
        }
        return target
    }

    /// The model's one image input, (height, width, 3), fixed.
    static func imageInput(of graph: ModelGraph, file: String) throws -> [Int] {
        guard graph.inputs.count == 1, graph.outputs.count == 1,
              let shape = graph.layer(named: graph.inputs[0])?.attributes["shape"]?.intsValue,
              shape.count == 3, shape[0] > 0, shape[1] > 0, shape[2] == 3 else {
            throw CommandFailure("\(file): zoo train needs one RGB image input of a fixed size and one output; this model has inputs \(graph.inputs) and outputs \(graph.outputs)")
        }
        return shape
    }

    func makeOptimizer() -> any Optimizer {
        switch optimizer {
        case .adam: lr.map { Adam(learningRate: $0) } ?? Adam()
        case .sgd: lr.map { SGD(learningRate: $0) } ?? SGD()
        case .rmsprop: lr.map { RMSprop(learningRate: $0) } ?? RMSprop()
        }
    }

    /// The `training` metadata: where the weights came from and how, enough to repeat the run.
    func provenance(settings: Fit.Settings, learningRate: Float, sourceSHA256: String, trained: [String], skipped: [String],
                    classes: [String], classWeights: [Float]?) -> [String: Any] {
        var recipe: [String: Any] = [
            "data": data, "epochs": epochs, "batch_size": batchSize, "steps_per_epoch": settings.stepsPerEpoch,
            "optimizer": optimizer.rawValue, "learning_rate": Double(learningRate), "bn_frozen": bnFrozen.rawValue,
            "shuffle": !noShuffle, "augment": !noAugment, "bad_images": badImages.rawValue,
            "loss": "categorical_crossentropy", "classes": classes,
        ]
        if let val { recipe["val"] = val; recipe["validation_steps"] = settings.validationSteps }
        if let trainableFrom { recipe["trainable_from"] = trainableFrom }
        if let classWeights { recipe["class_weight"] = Dictionary(uniqueKeysWithValues: zip(classes, classWeights.map(Double.init))) }
        return [
            "source_file": (model as NSString).lastPathComponent,
            "source_sha256": sourceSHA256,
            "recipe": recipe,
            "seed": seed,
            "trained_parameters": trained,
            "skipped_images": skipped,
            "zoo": Conversion.converterVersion,
        ]
    }

    func summary(_ logs: [[String: Double]], settings: Fit.Settings, images: Int, skipped: Int) -> String {
        let metrics = TrainingProgress.describe(logs.last ?? [:], keys: ["loss", "accuracy", "val_loss", "val_accuracy"])
        var lines = ["\(output): trained \(logs.count) epoch(s) of \(settings.stepsPerEpoch) steps on \(images) images"
                     + (skipped > 0 ? " (\(skipped) unreadable skipped)" : "") + "; final \(metrics)"]
        if let history { lines.append("history: \(history)") }
        return lines.joined(separator: "\n")
    }
}

extension FrozenBatchNorm: ExpressibleByArgument {}

import Bench
import Converter
import Foundation
import Testing
import TestSupport

/// `zoo train` as a user runs it, on the tiny Sequential fixture (12x12 RGB in, 3 softmax units out; converted in
/// each test's scratch folder) and small synthetic PNG class folders: a run that writes a model, a history and its
/// provenance; a run against Keras' own fit over `flow_from_directory` on the same folders; then each bad input of
/// issue #9 §6, which must fail before training (or at the step that diverged) with one line naming the file,
/// layer or place, a non-zero exit, and no output file left behind.
@Suite(.serialized) struct TrainCommandTests {
    /// A scratch folder with the converted fixture in it.
    final class Scratch {
        let directory: URL
        let model: String

        init() throws {
            directory = try Converting.temporaryDirectory()
            model = directory.appendingPathComponent("tiny_sequential.safetensors").path
            let conversion = try Converting.convert(TestEnvironment.fixtures.appendingPathComponent("tiny_sequential/k3.keras").path,
                                                    arch: nil, to: model)
            guard conversion.status == 0 else { throw TestEnvironment.Missing(description: "zoo convert failed: \(conversion.stderr)") }
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        /// Class folders of `perClass` 16x16 PNGs each, a class's colours in their own third of 0...255, so a few
        /// steps learn something, the same every run; `classes` names the folders (a count of 0 leaves one empty).
        func dataset(_ name: String, classes: [String: Int]) throws -> String {
            let root = directory.appendingPathComponent(name)
            var generator = SeededGenerator(seed: 2026)
            for (offset, (label, count)) in classes.sorted(by: { $0.key < $1.key }).enumerated() {
                let folder = root.appendingPathComponent(label)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for index in 0..<count {
                    let pixels = (0..<(16 * 16 * 3)).map { _ in UInt8(offset * 80 + Int.random(in: 0..<80, using: &generator)) }
                    try ImageEncoder.png(.rgb8(pixels), width: 16, height: 16).write(to: folder.appendingPathComponent("\(index).png"))
                }
            }
            return root.path
        }

        func train(_ arguments: [String], output: String) throws -> TestEnvironment.Result {
            try TestEnvironment.run(TestEnvironment.zooBinary(), ["train", model] + arguments + ["-o", output])
        }

        /// Nothing at `output`, and no temporary file beside it.
        func nothingWritten(at output: String) throws -> Bool {
            let folder = (output as NSString).deletingLastPathComponent
            let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.filter { $0.contains(".tmp-") } ?? []
            return !FileManager.default.fileExists(atPath: output) && leftovers.isEmpty
        }
    }

    static let threeClasses = ["cat": 5, "dog": 5, "fox": 5]

    @Test func trainsAndRecordsWhatItDid() throws {
        let scratch = try Scratch()
        let data = try scratch.dataset("train", classes: Self.threeClasses)
        let validation = try scratch.dataset("val", classes: ["cat": 2, "dog": 2, "fox": 2])
        let output = scratch.path("trained.safetensors"), history = scratch.path("history.csv")
        let result = try scratch.train(["--data", data, "--val", validation, "--epochs", "2", "--batch-size", "4",
                                        "--trainable-from", "conv2d_1", "--history", history, "--seed", "7"], output: output)
        try #require(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("\(output): trained 2 epoch(s) of 4 steps on 15 images; final loss "), "\(result.stdout)")
        #expect(result.stderr.contains("epoch 1/2: 4/4 steps (100%) ") && result.stderr.contains(" steps/s, ETA 0:00, loss "), "progress: \(result.stderr)")
        #expect(result.stderr.contains("epoch 2/2: loss "), "epoch lines: \(result.stderr)")

        let csv = try String(contentsOfFile: history, encoding: .utf8).split(separator: "\r\n")
        #expect(csv.first == "epoch,accuracy,learning_rate,loss,val_accuracy,val_loss" && csv.count == 3, "\(csv)")

        let source = try SafetensorsFile(path: scratch.model), trained = try SafetensorsFile(path: output)
        #expect(trained.verifyDataHash() == .verified)
        #expect(trained.metadata["graph"] == source.metadata["graph"] && trained.metadata["preprocess"] == source.metadata["preprocess"])
        #expect(trained.metadata["class_names"] == #"["cat","dog","fox"]"#, "the class folders, for zoo predict")
        let training = try #require(trained.metadata["training"])
        let provenance = try #require(try JSONSerialization.jsonObject(with: Data(training.utf8)) as? [String: Any])
        let sourceHash = try sha256Hex(ofFileAt: scratch.model)
        #expect(provenance["source_sha256"] as? String == sourceHash)
        #expect(provenance["seed"] as? Int == 7)
        #expect((provenance["recipe"] as? [String: Any])?["trainable_from"] as? String == "conv2d_1")
        // --trainable-from conv2d_1: the layers before it keep their weights; it and those after it moved.
        for name in ["conv2d/kernel", "conv2d/bias", "batch_normalization/gamma", "conv2d_1/kernel", "dense_1/kernel"] {
            let before = try source.floats(of: try #require(source.tensor(named: name)))
            let after = try trained.floats(of: try #require(trained.tensor(named: name)))
            let frozen = name.hasPrefix("conv2d/") || name.hasPrefix("batch_normalization/")
            #expect((before == after) == frozen, "\(name): frozen below conv2d_1, trained from it")
        }
    }

    /// `zoo train` end to end against Keras 3 fitting the same model on the same folders
    /// (training/train_reference.py: `flow_from_directory` with `rescale=1/255`, nearest resizing from 16x16 to 8x8,
    /// no augmentation, no shuffling, a trainable BatchNormalization and L2 regularisers), without and with class
    /// weights (`fit(class_weight=)`): the CSV history and the written weights, within FitKerasTests' tolerances.
    @Test(arguments: [nil, ("cat=0.5,2=2", "{\"0\": 0.5, \"2\": 2}")])
    func matchesKerasFitOnTheSameFolders(classWeight: (zoo: String, keras: String)?) throws {
        let scratch = try Scratch()
        let data = try scratch.dataset("train", classes: Self.threeClasses)
        let validation = try scratch.dataset("val", classes: ["cat": 2, "dog": 2, "fox": 2])
        let keras = scratch.directory.appendingPathComponent("keras")
        let reference = try TestEnvironment.runPython("training/train_reference.py", [data, validation, keras.path] + (classWeight.map { [$0.keras] } ?? []))
        try #require(reference.status == 0, "train_reference.py failed (status \(reference.status)):\n\(reference.stderr.suffix(2000))")
        struct Listing: Decodable { let history: [String: [Double]]; let batch_size: Int; let epochs: Int }
        let listing = try JSONDecoder().decode(Listing.self, from: Data(contentsOf: keras.appendingPathComponent("train.json")))

        let model = scratch.path("initial.safetensors"), output = scratch.path("trained.safetensors"), history = scratch.path("history.csv")
        let zoo = try TestEnvironment.zooBinary()
        let conversion = try TestEnvironment.run(zoo, ["convert", keras.appendingPathComponent("initial.keras").path, "-o", model,
                                                       "--preprocess", "rescale:0.00392156862745098", "--quiet"])
        try #require(conversion.status == 0, "\(conversion.stderr)")
        let result = try TestEnvironment.run(zoo, ["train", model, "--data", data, "--val", validation, "--epochs", "\(listing.epochs)",
                                                   "--batch-size", "\(listing.batch_size)", "--no-shuffle", "--no-augment",
                                                   "--history", history, "-o", output] + (classWeight.map { ["--class-weight", $0.zoo] } ?? []))
        try #require(result.status == 0, "\(result.stderr)")

        let rows = try String(contentsOfFile: history, encoding: .utf8).split(separator: "\r\n").map { $0.split(separator: ",").map(String.init) }
        let header = try #require(rows.first)
        for key in listing.history.keys { #expect(header.contains(key), "no \(key) in the history") }
        let logged = rows.dropFirst().map { row in
            Dictionary(uniqueKeysWithValues: zip(header, row).compactMap { key, value in Double(value).map { (key, $0) } })
        }
        #expect(logged.count == listing.epochs, "epochs in the history")
        FitKerasTests.compareHistory(logged, with: listing.history, run: "zoo train")
        let trained = try SafetensorsFile(path: output), expected = try SafetensorsFile(path: keras.appendingPathComponent("train.safetensors").path)
        for tensor in trained.tensors {
            let reference = try #require(expected.tensor(named: "final/\(tensor.name)"), "Keras has no \(tensor.name)")
            let error = GradientParityTests.error(try trained.floats(of: tensor), try expected.floats(of: reference))
            #expect(error <= FitKerasTests.weightTolerance, "\(tensor.name) after zoo train: normalised error \(error)")
        }
    }

    /// `--class-weight balanced` is scikit-learn's rule on the training folders, recorded in the provenance; a class
    /// the data does not have is refused before training, with the classes it has, and nothing is written.
    @Test func classWeightsAreResolvedRecordedOrRefused() throws {
        let scratch = try Scratch()
        let data = try scratch.dataset("train", classes: ["cat": 2, "dog": 4, "fox": 6])
        let output = scratch.path("trained.safetensors")
        let result = try scratch.train(["--data", data, "--epochs", "1", "--batch-size", "4", "--class-weight", "balanced"], output: output)
        try #require(result.status == 0, "\(result.stderr)")
        let training = try #require(try SafetensorsFile(path: output).metadata["training"])
        let provenance = try #require(try JSONSerialization.jsonObject(with: Data(training.utf8)) as? [String: Any])
        let weights = try #require((provenance["recipe"] as? [String: Any])?["class_weight"] as? [String: Double])
        #expect(weights.mapValues { ($0 * 1e4).rounded() / 1e4 } == ["cat": 2, "dog": 1, "fox": 0.6667])   // 12 / (3 x 2, 4, 6)

        let refused = scratch.path("refused.safetensors")
        let unknown = try scratch.train(["--data", data, "--epochs", "1", "--batch-size", "4", "--class-weight", "wolf=2"], output: refused)
        #expect(unknown.status != 0 && unknown.stderr.contains("no class 'wolf'") && unknown.stderr.contains("0=cat, 1=dog, 2=fox"), "\(unknown.stderr)")
        let malformed = try scratch.train(["--data", data, "--epochs", "1", "--batch-size", "4", "--class-weight", "cat:2"], output: refused)
        #expect(malformed.status != 0 && malformed.stderr.contains("--class-weight"), "\(malformed.stderr)")
        #expect(try scratch.nothingWritten(at: refused))
    }

    /// A Keras noise layer Zoo runs at inference (as the identity) but cannot train as Keras would: the graph's
    /// dropout turned into GaussianDropout, refused before any image is read.
    @Test func refusesALayerWithoutATrainingPass() throws {
        let scratch = try Scratch()
        let source = try SafetensorsFile(path: scratch.model)
        var graph = try JSONDecoder().decode(ModelGraph.self, from: Data(try #require(source.metadata["graph"]).utf8))
        let index = try #require(graph.layers.firstIndex { $0.op == .dropout })
        graph.layers[index].attributes["kind"] = .string("gaussian_dropout")
        var metadata = source.metadataToCarry
        metadata["graph"] = String(decoding: try JSONEncoder().encode(graph), as: UTF8.self)
        let noisy = scratch.path("noisy.safetensors")
        var writer = try SafetensorsWriter(path: noisy, tensors: source.tensors.map { ($0.name, $0.shape) }, dtype: .f32, metadata: metadata)
        for tensor in source.tensors { try source.floats(of: tensor).withUnsafeBufferPointer { try writer.append($0) } }
        try writer.finish()

        let output = scratch.path("out.safetensors")
        let result = try TestEnvironment.run(TestEnvironment.zooBinary(),
                                             ["train", noisy, "--data", scratch.path("never-read"), "--epochs", "1", "--batch-size", "2", "-o", output])
        #expect(result.status == 1)
        #expect(result.stderr == "Error: \(noisy): layer 'dropout' (dropout): gaussian_dropout has no training pass in Zoo (only Dropout's inverted mask does); zoo train cannot train this model\n",
                "\(result.stderr)")
        #expect(try scratch.nothingWritten(at: output))
    }

    @Test func refusesClassesThatDoNotMatchTheOutput() throws {
        let scratch = try Scratch()
        let data = try scratch.dataset("two", classes: ["cat": 3, "dog": 3])
        let output = scratch.path("out.safetensors")
        let result = try scratch.train(["--data", data, "--epochs", "1", "--batch-size", "2"], output: output)
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(data): 2 class folder(s) (cat, dog), but the model's output 'dense_1' has 3 units"), "\(result.stderr)")
        #expect(try scratch.nothingWritten(at: output))
    }

    @Test func refusesAnEmptyClassFolder() throws {
        let scratch = try Scratch()
        let data = try scratch.dataset("empty", classes: ["cat": 3, "dog": 0, "fox": 3])
        let output = scratch.path("out.safetensors")
        let result = try scratch.train(["--data", data, "--epochs", "1", "--batch-size", "2"], output: output)
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(data)/dog: empty class folder"), "\(result.stderr)")
        #expect(try scratch.nothingWritten(at: output))
    }

    /// An image that does not decode: fatal by default, naming it; left out with `--bad-images skip`, which the
    /// run reports on standard error, in its summary and in the file's provenance.
    @Test func imageThatDoesNotDecodeFailsOrIsSkipped() throws {
        let scratch = try Scratch()
        let data = try scratch.dataset("train", classes: Self.threeClasses)
        let bad = "\(data)/dog/broken.png"
        try Data("not a PNG at all".utf8).write(to: URL(fileURLWithPath: bad))
        let output = scratch.path("out.safetensors")

        let fatal = try scratch.train(["--data", data, "--epochs", "1", "--batch-size", "4"], output: output)
        #expect(fatal.status == 1)
        #expect(fatal.stderr.contains("\nError: \(bad): ") && fatal.stderr.contains("--bad-images skip"), "\(fatal.stderr)")
        #expect(try scratch.nothingWritten(at: output))

        let skipping = try scratch.train(["--data", data, "--epochs", "1", "--batch-size", "4", "--bad-images", "skip"], output: output)
        try #require(skipping.status == 0, "\(skipping.stderr)")
        #expect(skipping.stderr.contains("skipped: \(bad): "), "\(skipping.stderr)")
        #expect(skipping.stdout.contains("on 15 images (1 unreadable skipped)"), "\(skipping.stdout)")
        let training = try #require(try SafetensorsFile(path: output).metadata["training"])
        let provenance = try JSONSerialization.jsonObject(with: Data(training.utf8)) as? [String: Any]
        #expect(provenance?["skipped_images"] as? [String] == ["dog/broken.png"])
    }

    /// A learning rate of 1e30: the first step throws the weights to ~1e30, the second step's forward pass
    /// overflows. The run stops there, naming the step and the first layer whose output is not finite.
    @Test func stopsAtANonFiniteLoss() throws {
        let scratch = try Scratch()
        let data = try scratch.dataset("train", classes: Self.threeClasses)
        let output = scratch.path("out.safetensors"), history = scratch.path("history.csv")
        let result = try scratch.train(["--data", data, "--epochs", "2", "--batch-size", "4", "--optimizer", "sgd", "--lr", "1e30",
                                        "--history", history], output: output)
        #expect(result.status == 1)
        #expect(result.stderr.contains("Error: step 2 (epoch 1, batch 2): the loss is NaN; first non-finite value: the output of layer 'conv2d_1' (conv2d)"),
                "\(result.stderr)")
        #expect(try scratch.nothingWritten(at: output))
        #expect(!FileManager.default.fileExists(atPath: history), "a failed run leaves no history")
    }

    /// A run that fails before its first epoch ends has written no history: a file already at --history (an
    /// earlier run's) is left as it was.
    @Test func aRunThatFailsBeforeWritingLeavesAnEarlierHistory() throws {
        let scratch = try Scratch()
        let data = try scratch.dataset("train", classes: Self.threeClasses)
        let output = scratch.path("out.safetensors"), history = scratch.path("history.csv")
        let earlier = "epoch,loss\r\n0,1.0\r\n"
        try Data(earlier.utf8).write(to: URL(fileURLWithPath: history))
        let result = try scratch.train(["--data", data, "--epochs", "2", "--batch-size", "4", "--optimizer", "sgd", "--lr", "1e30",
                                        "--history", history], output: output)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(try String(contentsOfFile: history, encoding: .utf8) == earlier, "the earlier run's history is kept")
    }

    /// `--history` takes the policy of every output (docs/command-line.md), checked before training: a symbolic link is
    /// refused without --force (the log is renamed into place every epoch, which would replace the link) and written
    /// through with it, the link kept; a folder that takes no new file is one line; the model being trained or the
    /// trained model's own file is refused, since the log would be written over it.
    @Test func historyTakesTheOutputPolicy() throws {
        let scratch = try Scratch()
        let data = try scratch.dataset("train", classes: Self.threeClasses)
        let output = scratch.path("out.safetensors"), kept = scratch.path("kept.csv"), link = scratch.path("history.csv")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: kept))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "kept.csv")
        let modelBytes = try Data(contentsOf: URL(fileURLWithPath: scratch.model))
        let training = ["--data", data, "--epochs", "1", "--batch-size", "4"]
        let cases = [
            (link, "\(link): is a symbolic link to \(kept); pass --force to write \(kept) through it, or name another file"),
            ("/proc/history.csv", "/proc/history.csv: cannot write the history: cannot create a file in /proc: "),
            (scratch.model, "\(scratch.model): is the model being trained or the trained model's file; give --history another name (a .csv)"),
            (output, "\(output): is the model being trained or the trained model's file; give --history another name (a .csv)"),
        ]
        for (history, message) in cases {
            let refused = try scratch.train(training + ["--history", history], output: output)
            #expect(refused.status == 1, "\(history): \(refused.stderr)")
            #expect(refused.stderr.hasPrefix("Error: \(message)") && refused.stderr.split(separator: "\n").count == 1,
                    "fails before training, in one line: \(refused.stderr)")
            #expect(try scratch.nothingWritten(at: output))
        }
        #expect(try String(contentsOfFile: kept, encoding: .utf8) == "keep me")
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.model)) == modelBytes, "the model was written over")

        let forced = try scratch.train(training + ["--history", link, "--force"], output: output)
        try #require(forced.status == 0, "\(forced.stderr)")
        #expect(try String(contentsOfFile: kept, encoding: .utf8).hasPrefix("epoch,accuracy,"), "the link's target holds the history")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "kept.csv")
    }

    /// An existing output (an earlier run's trained model) is kept: one line naming --force, before training; with
    /// --force the run replaces it, by a rename once the new file is whole.
    @Test func replacesAnExistingOutputOnlyWithForce() throws {
        let scratch = try Scratch()
        let data = try scratch.dataset("train", classes: Self.threeClasses)
        let output = scratch.path("trained.safetensors")
        try Data("an earlier run".utf8).write(to: URL(fileURLWithPath: output))
        let training = ["--data", data, "--epochs", "1", "--batch-size", "4"]
        let refused = try scratch.train(training, output: output)
        #expect(refused.status == 1)
        #expect(refused.stderr == "Error: \(output): already exists; pass --force to replace it\n", "before training, in one line: \(refused.stderr)")
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "an earlier run")

        let forced = try scratch.train(training + ["--force"], output: output)
        try #require(forced.status == 0, "\(forced.stderr)")
        #expect(try SafetensorsFile(path: output).verifyDataHash() == .verified)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.directory.path).filter { $0.contains(".tmp-") }.isEmpty)
    }

    @Test(arguments: ["missing-folder/out.safetensors", "is-a-folder"])
    func refusesAnOutputItCannotWrite(_ name: String) throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path("is-a-folder"), withIntermediateDirectories: false)
        let data = try scratch.dataset("train", classes: Self.threeClasses)
        let output = scratch.path(name)
        let result = try scratch.train(["--data", data, "--epochs", "1", "--batch-size", "4"], output: output)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("Error: \(output): cannot write the trained model: "), "\(result.stderr)")
        #expect(!result.stderr.contains("epoch"), "fails before training: \(result.stderr)")
        if name != "is-a-folder" { #expect(try scratch.nothingWritten(at: output)) }
    }
}

import Foundation

/// Where `zoo bench --peer keras` finds Keras: the pinned Python interpreter (`ZOO_PYTHON`, with TensorFlow and
/// Keras 3) and `Benchmarks/peers/keras_recipe.py`, which trains a recipe as the notebooks' Keras would.
public struct KerasPeer: Sendable {
    public let python: URL
    public let script: URL

    /// Checks both exist now, so a missing interpreter stops the suite before its first run, not after them all.
    public init(python: String?, script: URL) throws {
        guard let python, !python.isEmpty else {
            throw BenchError("--peer keras needs a Python with TensorFlow and Keras 3: export ZOO_PYTHON=$(scripts/python-env.sh)")
        }
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw BenchError("ZOO_PYTHON=\(python): not an executable; export ZOO_PYTHON=$(scripts/python-env.sh)")
        }
        guard FileManager.default.fileExists(atPath: script.path) else {
            throw BenchError("\(script.path): the Keras peer script is missing (run zoo bench from the repository, or pass --peer-script)")
        }
        self.python = URL(fileURLWithPath: python)
        self.script = script
    }
}

/// The Keras side of the headline comparison: Zoo's runs handed to `keras_recipe.py`, all in one Python process
/// (TensorFlow's import, 5 s to a minute, is paid once), and each result scored here exactly as Zoo scores its own
/// runs: the same threshold rule on the same validation images, the same metrics on the same test images.
public enum KerasPeerRun {
    /// One run for Keras: the recipe's model as Zoo ran it, on Zoo's images, from the checkpoint Zoo converted.
    public struct Request: Sendable {
        public let model: RecipeModel
        public let checkpoint: URL
        public let data: RunData
        public let options: RunOptions

        public init(model: RecipeModel, checkpoint: URL, data: RunData, options: RunOptions) {
            self.model = model
            self.checkpoint = checkpoint
            self.data = data
            self.options = options
        }
    }

    /// What one Python process made of the requests: an outcome for each run whose result it wrote (nil for the
    /// rest), and why it stopped early, if it did.
    public struct Outcomes {
        public let outcomes: [RunOutcome?]
        public let failure: String?
    }

    /// Trains every request in one Python process, writing the request file and the results under `directory`,
    /// and returns their outcomes in request order. A process that fails partway still yields the results it wrote,
    /// so the runs it finished are not lost.
    public static func run(_ requests: [Request], peer: KerasPeer, directory: URL,
                           threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> Outcomes {
        guard !requests.isEmpty else { return Outcomes(outcomes: [], failure: nil) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let outputs = requests.indices.map { directory.appendingPathComponent("result-\($0 + 1).json") }
        for output in outputs { try? FileManager.default.removeItem(at: output) }
        let file = RequestFile(threads: threads, runs: zip(requests, outputs).map { RunRequest($0, output: $1) })
        let requestURL = directory.appendingPathComponent("requests.json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(file), to: requestURL)

        let process = Process()
        process.executableURL = peer.python
        process.arguments = [peer.script.path, requestURL.path]
        // Its progress lines and, on failure, Python's traceback go straight to the suite's log.
        process.standardError = FileHandle.standardError
        process.standardOutput = FileHandle.standardError
        do { try process.run() } catch {
            throw BenchError("\(peer.python.path): cannot start the Keras peer (\(error.localizedDescription)); export ZOO_PYTHON=$(scripts/python-env.sh)")
        }
        process.waitUntilExit()
        let failure = process.terminationStatus == 0 ? nil
            : "the Keras peer (\(peer.script.lastPathComponent) \(requestURL.path)) exited with status \(process.terminationStatus); its error is above"
        return Outcomes(outcomes: try zip(requests, outputs).map { request, output in
            // A result is written whole or not at all (temporary name, then rename): one that exists is complete.
            guard failure == nil || FileManager.default.fileExists(atPath: output.path) else { return nil }
            return try outcome(of: request, result: try RunResult.read(output))
        }, failure: failure)
    }

    /// What Zoo makes of one Keras result: the threshold chosen on validation as for Zoo's run (clean protocol), the
    /// metrics on test, and the notes that say how the Keras run differed from Zoo's.
    static func outcome(of request: Request, result: RunResult) throws -> RunOutcome {
        let data = request.data
        guard result.trainableParameters == request.model.full.trainableParameterCount else {
            throw BenchError("\(request.model.recipe.name): Keras built the model with \(result.trainableParameters) trainable parameters, Zoo with \(request.model.full.trainableParameterCount): the engines would not train the same model")
        }
        func predictions(_ scores: [Double], of split: Split) throws -> BinaryPredictions {
            guard scores.count == split.images.count else {
                throw BenchError("the Keras peer scored \(scores.count) \(split.name) images; Zoo asked for \(split.images.count)")
            }
            return try BinaryPredictions(scores: scores, labels: data.positiveLabels(split.images))
        }
        let test = try predictions(result.testScores, of: data.test)
        // The script scores validation only where the threshold is chosen on it (the clean protocol).
        let scored = try ScoredRun(validation: predictions(result.validationScores, of: data.validation), test: test, options: request.options)
        var notes = [
            "Keras \(result.kerasVersion) on TensorFlow \(result.tensorflowVersion) (\(result.threads) threads), end to end: the base runs "
                + "every step; its wall time leaves out TensorFlow's import (\(String(format: "%.0f", result.importSeconds)) s, once per zoo bench)",
        ]
        if let augmentation = request.model.recipe.training.augmentation, augmentation.centre != "keras3" {
            notes.append("Keras peer: augmentation by Keras 3's ImageDataGenerator, which turns images about dim/2 - 0.5 (the recipe's \(augmentation.centre): dim/2 + 0.5)")
        }
        return RunOutcome(history: result.history, threshold: scored.threshold, test: test,
                          testImages: data.test.images.map(\.path), metrics: scored.metrics, metricsProblem: scored.metricsProblem,
                          wallSeconds: result.wallSeconds, featureCachingSeconds: nil, notes: notes, trainedHead: nil)
    }

    /// `keras_recipe.py`'s input (its docstring describes every field).
    struct RequestFile: Encodable {
        let threads: Int
        let runs: [RunRequest]
    }

    struct RunRequest: Encodable {
        let recipe: Recipe
        let `protocol`: String
        let seed: UInt64
        let checkpoint: String
        let splits: [String: [Entry]]
        let positiveClass: Int
        let augmentValidation: Bool
        let roundStepsDown: Bool
        let output: String

        init(_ request: Request, output: URL) {
            let data = request.data
            recipe = request.model.recipe
            `protocol` = request.options.benchProtocol.rawValue
            seed = request.options.seed
            checkpoint = request.checkpoint.path
            func entries(_ split: Split) -> [Entry] { split.images.map { Entry(path: data.dataset.url(of: $0).path, label: $0.label) } }
            splits = ["train": entries(data.train), "validation": entries(data.validation), "test": entries(data.test)]
            positiveClass = data.positiveClass
            augmentValidation = data.augmentValidation
            roundStepsDown = data.roundStepsDown
            self.output = output.path
        }

        enum CodingKeys: String, CodingKey {
            case recipe, `protocol`, seed, checkpoint, splits, positiveClass = "positive_class",
                 augmentValidation = "augment_validation", roundStepsDown = "round_steps_down", output
        }
    }

    /// `[path, class]`, as the script reads a split.
    struct Entry: Encodable {
        let path: String
        let label: Int

        func encode(to encoder: Encoder) throws {
            var container = encoder.unkeyedContainer()
            try container.encode(path)
            try container.encode(label)
        }
    }

    /// `keras_recipe.py`'s output for one run.
    struct RunResult: Decodable {
        let history: [[String: Double]]
        let validationScores: [Double]
        let testScores: [Double]
        let trainableParameters: Int
        let wallSeconds: Double
        let importSeconds: Double
        let threads: Int
        let kerasVersion: String
        let tensorflowVersion: String

        enum CodingKeys: String, CodingKey {
            case history, validationScores = "validation_scores", testScores = "test_scores", trainableParameters = "trainable_parameters", wallSeconds = "wall_seconds", importSeconds = "import_seconds", threads,
                 kerasVersion = "keras_version", tensorflowVersion = "tensorflow_version"
        }

        static func read(_ url: URL) throws -> RunResult {
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw BenchError("\(url.path): the Keras peer exited without writing this run's result")
            }
            do {
                return try JSONDecoder().decode(RunResult.self, from: data)
            } catch let error as DecodingError {
                throw BenchError("\(url.path): not a Keras peer result: \(Recipe.describe(error))")
            }
        }
    }
}

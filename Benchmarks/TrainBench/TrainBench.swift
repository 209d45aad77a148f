// Times one training step of a notebook model in Zoo for Benchmarks/training.sh, as train_step.py times Keras
// and PyTorch: the same models (VGG16/VGG19 with the tuberculosis head, ResNet50 with the melanoma head, random
// weights drawn from --seed), the same fixed batch (image i of class i % 2), the same step (forward in training
// mode, categorical cross-entropy, backward, Adam with Keras' defaults), dropout on. Writes one record in the
// schema at the top of Benchmarks/peers/train_report.py.
//
//   TrainBench --model vgg16|vgg19|resnet50 --mode frozen|last-block --data BATCH.f32 --data-name BATCH.npy
//              --out RECORD.json [--batch 16 --size 224 --steps 20 --warmup 3 --threads 2 --seed 2019]
import ArgumentParser
import BenchmarkSupport
import Converter
import Crypto
import Foundation
import Tensor
import Training
import Zoo

@main
struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One training step of a notebook model in Zoo, timed (a JSON record).")

    @Option(help: "vgg16, vgg19 or resnet50 (with the notebooks' heads).") var model: String
    @Option(help: "frozen (the head trains) or last-block (VGG block5 / ResNet50 conv5_block3 too).") var mode: String
    @Option(help: "The fixed batch as raw float32 NHWC (train_step.py's .npy written with tofile).") var data: String
    @Option(help: "The .npy the batch came from, recorded as the record's `data`.") var dataName: String
    @Option(help: "Where the JSON record goes.") var out: String
    @Option(help: "Images per step.") var batch: Int = 16
    @Option(help: "Image side.") var size: Int = 224
    @Option(help: "Timed steps.") var steps: Int = 20
    @Option(help: "Untimed steps first.") var warmup: Int = 3
    @Option(help: "Compute threads.") var threads: Int = 2
    @Option(help: "Seed of the initial weights and the dropout masks.") var seed: UInt64 = 2019

    /// The first layer of each base's last block (Keras' names): it and every layer after it train, as
    /// train_step.py unfreezes the layers of that block below the head.
    static let lastBlock = ["vgg16": "block5_conv1", "vgg19": "block5_conv1", "resnet50": "conv5_block3_1_conv"]

    func validate() throws {
        guard Self.lastBlock[model] != nil else { throw ValidationError("--model must be vgg16, vgg19 or resnet50") }
        guard ["frozen", "last-block"].contains(mode) else { throw ValidationError("--mode must be frozen or last-block") }
        guard min(batch, size, steps, warmup, threads) >= 1 else {
            throw ValidationError("--batch, --size, --steps, --warmup and --threads must be at least 1")
        }
    }

    func run() throws {
        let started = Date()
        let loadBefore = Self.loadAverage()
        let before = ProcessMemory.resident()
        Parallelism.workers = threads
        let images = try RawFloats.read(data, shape: [batch, size, size, 3])
        let digest = images.withValues { SHA256.hash(data: Data(buffer: $0)) }
        let dataSHA = digest.map { String(format: "%02x", $0) }.joined().prefix(16)

        let graph = try Self.graph(model, size: size)
        let store = try ParameterStore(graph: graph, weights: Zeros())
        try store.initialize(graph: graph, seed: seed)
        if mode == "last-block" { try store.trainFrom(Self.lastBlock[model]!, in: graph) }
        let training = try TrainingModel(graph: graph, parameters: store, frozenBatchNorm: .tf2, dropoutSeed: seed)
        let regularization = try Regularization(graph: graph)
        let adam = Adam()
        let labels = try Tensor(shape: [batch, 2], values: (0..<batch).flatMap { $0 % 2 == 0 ? [Float(1), 0] : [0, 1] })

        /// One step, as Keras' `train_on_batch` (the fit loop's step): loss and gradients, one Adam update.
        func step() throws -> Float {
            let result = try training.lossAndGradients(images, objective: .categoricalCrossentropy(.dense(labels), sampleWeights: nil),
                                                       regularization: regularization)
            try adam.apply(result.gradients, to: training)
            return result.loss!
        }

        var losses: [Float] = [], times: [Double] = []
        for index in 0..<(warmup + steps) {
            let start = ContinuousClock.now
            losses.append(try step())
            if index >= warmup { times.append((ContinuousClock.now - start).seconds * 1e3) }
            FileHandle.standardError.write(Data("\rTrainBench: \(model) \(mode) step \(index + 1)/\(warmup + steps)".utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        guard losses.allSatisfy(\.isFinite) else { throw ValidationError("a loss was not finite: \(losses)") }

        let sorted = times.sorted()
        let record: [String: Any] = [
            "schema": 1, "framework": "zoo", "cpu": KernelPath.cpuModel, "kernels": KernelPath.summary, "model": model, "mode": mode, "batch": batch, "size": size,
            "steps": steps, "warmup": warmup, "threads": threads, "seed": seed,
            "data": URL(fileURLWithPath: dataName).standardizedFileURL.path, "data_sha256": String(dataSHA),
            "times_ms": times, "median_ms": Self.percentile(sorted, 0.5), "p90_ms": Self.percentile(sorted, 0.9),
            "peak_rss_bytes": ProcessMemory.resident().peak, "rss_before_model_bytes": before.now,
            "parameters": graph.parameterCount, "trainable_parameters": store.trainableCount,
            "losses": losses.map(Double.init),
            "framework_version": "zoo (Swift, float32; frozen base fused: \(training.frozenBaseLayers.count) layers)",
            "threading": "Parallelism.workers = \(threads)",
            "started_utc": ISO8601DateFormatter().string(from: started),
            "load_average_1min_before": loadBefore, "load_average_1min_after": Self.loadAverage(),
        ]
        let json = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
        try json.write(to: URL(fileURLWithPath: out), options: .atomic)
    }

    /// The notebook model at `size`: the tuberculosis VGG head on VGG16/VGG19, the melanoma head on ResNet50.
    static func graph(_ model: String, size: Int) throws -> ModelGraph {
        switch model {
        case "vgg16": try SeedModels.tuberculosisVGG(base: "vgg16", blocks: VGG.vgg16Blocks, size: size)
        case "vgg19": try SeedModels.tuberculosisVGG(base: "vgg19", blocks: VGG.vgg19Blocks, size: size)
        default: try SeedModels.melanomaResNet50(size: size)
        }
    }

    /// numpy's percentile with linear interpolation.
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1), low = Int(position.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }

    static func loadAverage() -> Double {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)).flatMap { Double($0.split(separator: " ")[0]) } ?? 0
    }
}

/// Zero weights, overwritten by the initialisers at once: the store needs a source, and a second copy of the
/// model would count in the peak memory.
struct Zeros: WeightSource {
    var origin: String { "zeros" }
    func tensor(named name: String, shape: [Int]) throws -> Tensor { try Tensor(shape: shape) }
}

// Times one converted model in Zoo's engine for Benchmarks/latency.sh: loads the .safetensors file into
// the fused executor, runs a batch of the given input file W times to warm up (the first call plans the
// arena) and N times timed, and prints one JSON object: the per-run wall times, the load time, the
// weight, arena and workspace bytes, and the resident memory before and after loading and at the peak.
// One batch size per process, so the peak is that of inference at that batch size. `--output` writes the
// last run's outputs, so the runner can check them against Keras on the same input. `--logits` runs the
// model without a final softmax (for the agreement check; see FinalSoftmax.swift).
//
//   ModelBench MODEL.safetensors --input IMAGES.f32 --batch 1 --warmup 5 --runs 50 --threads 2 [--output OUT.f32] [--logits]
import ArgumentParser
import BenchmarkSupport
import Converter
import Foundation
import Tensor
import Zoo

@main
struct ModelBench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Batch latency of a converted model in Zoo's fused executor (JSON on stdout).")

    @Argument(help: "A converted .safetensors model (zoo convert).") var model: String
    @Option(help: "Raw little-endian float32 images in the model's NHWC input shape; the first --batch of them are used.")
    var input: String
    @Option(help: "Images per run.") var batch: Int = 1
    @Option(help: "Untimed runs first (the first one plans the activation arena).") var warmup: Int = 3
    @Option(help: "Timed runs.") var runs: Int = 20
    @Option(help: "Worker threads of the compute kernels.") var threads: Int = 2
    @Option(help: "Write the last run's outputs here (raw float32).") var output: String?
    @Flag(help: "Leave out a softmax on the model's output: its outputs are then the values it would be applied to.")
    var logits = false

    func validate() throws {
        guard batch > 0, runs > 0, warmup >= 1, threads > 0 else {
            throw ValidationError("--batch, --runs and --threads must be positive and --warmup at least 1 (the first run plans memory)")
        }
    }

    func run() throws {
        // The runtime alone (shared libraries, Foundation): what the process holds before it reads a model.
        let beforeLoad = ProcessMemory.resident()
        Parallelism.workers = threads
        let loadStart = ContinuousClock.now
        let file = try SafetensorsFile(path: model)
        let graph = try Model.graph(in: file)
        let loaded = try Model(graph: logits ? FinalSoftmax.removed(from: graph) : graph, weights: file, mode: .fused)
        let loadSeconds = (ContinuousClock.now - loadStart).seconds
        let afterLoad = ProcessMemory.resident()
        guard loaded.graph.inputs.count == 1, let shape = loaded.inputShapes.first, !shape.contains(nil) else {
            throw ValidationError("\(model): ModelBench needs one input of fixed size; this model takes \(loaded.inputShapes)")
        }
        let images = try RawFloats.read(input, shape: [batch] + shape.map { $0! })
        var outputs: [Tensor] = []
        for _ in 0..<warmup { outputs = try loaded.run([images]) }
        var milliseconds: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            outputs = try loaded.run([images])
            milliseconds.append((ContinuousClock.now - start).seconds * 1e3)
        }
        if let output { try RawFloats.write(outputs[0], to: output) }
        let report = Report(framework: "zoo", cpu: KernelPath.cpuModel, kernels: KernelPath.summary, batch: batch, threads: threads, times_ms: milliseconds, load_s: loadSeconds,
                            weight_bytes: loaded.weightBytes, arena_bytes: loaded.arenaBytes,
                            workspace_bytes: loaded.workspaceBytes, output_shape: outputs[0].shape,
                            rss_before_load_bytes: beforeLoad.now, rss_after_load_bytes: afterLoad.now, peak_rss_during_load_bytes: afterLoad.peak,
                            peak_rss_bytes: ProcessMemory.resident().peak)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }

    /// The JSON line: keys as the Python driver reads them.
    struct Report: Encodable {
        let framework: String
        /// The CPU model (cpuid) and the kernel path the run took (`KernelPath.summary`: forced by ZOO_CPU or not).
        let cpu: String
        let kernels: String
        let batch: Int
        let threads: Int
        let times_ms: [Double]
        let load_s: Double
        let weight_bytes: Int
        let arena_bytes: Int
        let workspace_bytes: Int
        let output_shape: [Int]
        let rss_before_load_bytes: Int
        let rss_after_load_bytes: Int
        let peak_rss_during_load_bytes: Int
        let peak_rss_bytes: Int
    }
}

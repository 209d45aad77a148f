import Converter
import Foundation
import Tensor

/// A model ready to run: a `ModelGraph` compiled into Tensor-module kernels with its weights packed.
///
/// Every way of getting a model (a converted file's own graph, a named architecture from the registry,
/// a graph and weights in memory) ends in the same executor, so the same weights give the same outputs
/// whichever way the graph was obtained.
///
/// Not for concurrent use: one forward pass at a time per model (its arena and workspace are reused).
public final class Model {
    public enum Mode: String, Sendable, CaseIterable {
        /// Every Keras layer is a step of its own, unfolded (BatchNormalization apart from its convolution, no
        /// Winograd), so `activations` can return each layer's output: what parity checks and training run.
        case layerByLayer = "layer-by-layer"
        /// Convolutions absorb the BatchNormalization, residual add and activation after them, 3x3 ones use
        /// Winograd, and values live in a preplanned arena: the fast inference path, equal to `layerByLayer`
        /// within float rounding. Folding is an inference choice only: the folded weights are not the model's.
        case fused
    }

    public let graph: ModelGraph
    public let mode: Mode
    /// The preprocessing the weights expect, from the file's metadata (`none` when it records none).
    public let preprocessing: Preprocessing
    /// The precisions the weights are stored in, one or more; empty when they came from memory.
    public let weightDTypes: [StorageDType]
    /// Bytes of the weights as the kernels hold them (packed, float32).
    public let weightBytes: Int
    let executor: Executor

    /// Compiles `graph` with weights from `weights` (names `<layer>/<weight>`, Keras layouts).
    public init(graph: ModelGraph, weights: some WeightSource, mode: Mode = .fused, preprocessing: Preprocessing = .none,
                weightDTypes: [StorageDType] = []) throws {
        let compiler = LayerCompiler(weights: weights, winograd: mode == .fused)
        let plans = try StepPlanner.plan(graph, fuse: mode == .fused)
        let steps = try plans.map { (plan: $0, kernel: try compiler.compile($0)) }
        self.graph = graph
        self.mode = mode
        self.preprocessing = preprocessing
        self.weightDTypes = weightDTypes
        weightBytes = graph.parameterCount * MemoryLayout<Float>.stride
        executor = try Executor(steps: steps, inputs: graph.inputs, outputs: graph.outputs)
    }

    /// The model a converted file describes: its own graph (metadata `graph`) and its weights.
    public convenience init(file: SafetensorsFile, mode: Mode = .fused) throws {
        try self.init(graph: Model.graph(in: file), file: file, mode: mode)
    }

    /// A named architecture from the registry (`vgg16`, `resnet50-notop`, ...) with the weights of `file`.
    public convenience init(architecture: String, file: SafetensorsFile, mode: Mode = .fused) throws {
        try self.init(graph: Registry.graph(named: architecture), file: file, mode: mode)
    }

    /// Any graph (a registry architecture, a file's own graph, or one rewritten from them) with the weights and
    /// the recorded preprocessing of `file`.
    public convenience init(graph: ModelGraph, file: SafetensorsFile, mode: Mode = .fused) throws {
        try self.init(graph: graph, weights: file, mode: mode, preprocessing: Model.preprocessing(in: file),
                      weightDTypes: file.storageDTypes)
    }

    /// The preprocessing a converted file records (`none` when it records none).
    public static func preprocessing(in file: SafetensorsFile) throws -> Preprocessing {
        guard let text = file.metadata["preprocess"] else { return .none }
        guard let preprocessing = Preprocessing(text) else {
            throw ModelError("\(file.path): the 'preprocess' metadata '\(text)' is not \(Preprocessing.textForms)")
        }
        return preprocessing
    }

    /// Rebuilds every kernel from `weights`, as after an optimizer step changed them: the same steps, arena and
    /// workspace, so the first call after it allocates nothing new. Weights are read once, as at construction.
    public func reloadWeights(from weights: some WeightSource) throws {
        let compiler = LayerCompiler(weights: weights, winograd: mode == .fused)
        try executor.replaceKernels(executor.steps.map { try compiler.compile($0.plan) })
    }

    /// The graph stored in a converted file's metadata.
    public static func graph(in file: SafetensorsFile) throws -> ModelGraph {
        guard let json = file.metadata["graph"] else {
            throw ModelError("\(file.path): no 'graph' in the metadata; convert the checkpoint with `zoo convert` (or name an architecture)")
        }
        do {
            return try JSONDecoder().decode(ModelGraph.self, from: Data(json.utf8))
        } catch {
            throw ModelError("\(file.path): the 'graph' metadata is not a Zoo model graph (\(error))")
        }
    }

    /// Each input's shape without the batch axis, nil where any size is accepted.
    public var inputShapes: [[Int?]] {
        graph.inputs.map { name in
            (graph.layer(named: name)?.attributes["shape"]?.intsValue ?? []).map { $0 < 0 ? nil : $0 }
        }
    }

    /// The outputs for a batch (any N). In the fused mode they are views into the model's arena, valid
    /// until the next call; `predict` returns copies.
    public func run(_ inputs: [Tensor]) throws -> [Tensor] {
        try check(inputs)
        switch mode {
        case .fused: return try executor.planned(inputs)
        case .layerByLayer:
            let values = try executor.keepingAll(inputs)
            return executor.outputSteps.map { values[$0] }
        }
    }

    /// The outputs for a batch, in memory of their own.
    public func predict(_ inputs: [Tensor]) throws -> [Tensor] {
        try run(inputs).map { try $0.copied() }
    }

    /// Every Keras layer's output, by layer name (inputs included). Only in the layer-by-layer mode,
    /// where each layer is computed on its own.
    public func activations(_ inputs: [Tensor]) throws -> [String: Tensor] {
        guard mode == .layerByLayer else {
            throw ModelError("per-layer activations need a model built in the layer-by-layer mode (the fused one skips layers)")
        }
        try check(inputs)
        let values = try executor.keepingAll(inputs)
        return Dictionary(uniqueKeysWithValues: zip(executor.steps.map(\.plan.name), values))
    }

    /// What each execution step computes, in order: `conv2d+batch_norm+add+activation` for a fused chain.
    public var steps: [String] { executor.steps.map(\.plan.opDescription) }

    /// Bytes of the activation arena (fused mode, after the first call).
    public var arenaBytes: Int { executor.arenaBytes }

    /// Bytes of the kernels' scratch memory (GEMM tables, im2col and Winograd tiles), after the first call.
    public var workspaceBytes: Int { executor.workspace.byteCount }

    func check(_ inputs: [Tensor]) throws {
        guard inputs.count == graph.inputs.count else {
            throw ModelError("the model takes \(graph.inputs.count) input(s) (\(graph.inputs.joined(separator: ", "))), got \(inputs.count)")
        }
        for (index, (input, declared)) in zip(inputs, inputShapes).enumerated() {
            // An image input may come at any height and width, as Keras allows when it rebuilds a
            // model for another size: the channels must match, and a layer whose weights fix the
            // size (a Dense after Flatten) refuses a different one when it runs.
            let expected = declared.count == 3 ? [nil, nil, declared[2]] : declared
            let fits = input.rank == expected.count + 1
                && zip(input.shape.dropFirst(), expected).allSatisfy { actual, wanted in wanted.map { $0 == actual } ?? true }
            guard fits, input.shape.first ?? 0 > 0 else {
                throw ModelError("input '\(graph.inputs[index])' must be (N, \(Self.describe(declared).dropFirst()), got \(input.shape)")
            }
        }
    }

    /// An input shape for messages: `(224, 224, 3)`, `any` where any size is accepted.
    public static func describe(_ shape: [Int?]) -> String {
        "(" + shape.map { $0.map(String.init) ?? "any" }.joined(separator: ", ") + ")"
    }
}

import Foundation
import Converter
import Tensor

/// What a frozen BatchNormalization (`trainable=False`) does while the model trains.
public enum FrozenBatchNorm: String, Sendable, CaseIterable, Codable {
    /// Keras 2.2, which the notebooks ran: batch statistics in training, moving statistics not updated
    /// (docs/keras-numerics.md §9.1).
    case keras2
    /// TF2 and Keras 3: inference mode, with the moving statistics.
    case tf2
}

/// The gradients of one backward pass: by parameter name (`<layer>/<weight>`, trainable parameters only) and,
/// per graph input, dL/d(input) when it was asked for.
public struct ModelGradients {
    public let parameters: [String: Tensor]
    public let inputs: [Tensor?]

    public init(parameters: [String: Tensor], inputs: [Tensor?]) {
        self.parameters = parameters
        self.inputs = inputs
    }
}

/// A model that trains: the graph run layer by layer in training mode over a `ParameterStore`, keeping what
/// the backward pass reads, then the backward pass from dL/d(outputs) to the trainable parameters.
///
/// Each layer's forward and backward use the `Tensor` kernels side by side (a convolution's input gradient
/// next to its forward). Gradients flow only where they are needed: a value needs one when a trainable
/// parameter lies at or above it, or when input gradients were asked for; below the lowest trainable layer
/// nothing is computed.
///
/// The frozen base (the layers below every trainable one that train exactly as they infer) runs as one fused
/// inference `Model`: BatchNormalization folded, Winograd, values in a planned arena, and only the values the
/// layers above it read are kept. Elsewhere a value is kept only when a backward pass will read it.
public final class TrainingModel {
    public let graph: ModelGraph
    public let parameters: ParameterStore
    public let frozenBatchNorm: FrozenBatchNorm
    /// nil: dropout is off (the identity), as in the parity references.
    public let dropoutSeed: UInt64?
    public let inputGradients: Bool
    /// A deliberate backward-pass bug (`zoo verify --gradients` tests); nil in normal use.
    public let backwardFault: BackwardFault?

    /// The layers run one by one in training mode: all but the frozen base.
    private let layers: [Layer]
    /// The frozen base as a fused model, and the values it hands to `layers` (its outputs, in order).
    private let frozenBase: (model: Model, outputs: [String])?
    /// The layers that run as the fused frozen base, in the graph's order (empty when none does).
    public let frozenBaseLayers: [String]
    /// Each value computed layer by layer that no backward pass reads, with the position in `layers` of its last
    /// reader: it is released there.
    private let releasedAfter: [String: Int]
    private var kernels: [String: LayerKernel] = [:]
    /// Layers whose kernels predate their current weights (`kernel(for:)` rebuilds them on use).
    private var stale = Set<String>()
    private let workspace = Workspace()
    /// Whether each layer's output needs dL/d(output).
    private let needsGradient: Set<String>
    /// Output shapes without the batch axis at the graph's declared input sizes: they choose convolution algorithms.
    private let shapes: [String: [Int?]]
    /// Layers with a weight the store lets train: Keras' `layer.trainable` as the store has it (set it there
    /// before building the model), which decides a BatchNormalization's mode.
    private let trainableLayers: Set<String>
    /// The last training forward pass: every layer's output, the batch statistics and dropout masks used.
    private var values: [String: Tensor] = [:]
    private var batchStatistics: [String: (mean: [Float], variance: [Float])] = [:]
    private var masks: [String: DropoutMask] = [:]
    /// Convolution and dense layers whose value before their activation is needed: an output's softmax (Keras 3
    /// trains a softmax head on its logits: docs/keras-numerics.md §9.3), and, where a gradient passes, an activation
    /// whose gradient reads its input (`Activation.backwardReadsInput`: swish, GELU, ...). Their kernels without the
    /// activation, which then runs on its own; the value before it is kept in `preActivations`, and a softmax
    /// output's in `logits` too. A softmax Activation layer's logits are its input.
    private var linearKernels: [String: LayerKernel] = [:]
    private var preActivations: [String: Tensor] = [:]
    private var logits: [String: Tensor] = [:]
    /// Each dropout mask's seed: the next draw of the stream `dropoutSeed` starts. Read and restored with the
    /// count of masks drawn (`TrainingModelState`).
    var dropoutSeeds: SplitMix64?
    var dropoutMasksDrawn = 0
    /// Keras 2.2's zero-debiased moving averages: the biased accumulators and their step (§9.1).
    var debiasing: [String: ZeroDebiasAccumulator] = [:]

    public init(graph: ModelGraph, parameters: ParameterStore, frozenBatchNorm: FrozenBatchNorm = .tf2,
                dropoutSeed: UInt64? = nil, inputGradients: Bool = false, backwardFault: BackwardFault? = nil) throws {
        self.graph = graph
        self.parameters = parameters
        self.frozenBatchNorm = frozenBatchNorm
        self.dropoutSeed = dropoutSeed
        self.inputGradients = inputGradients
        self.backwardFault = backwardFault
        dropoutSeeds = dropoutSeed.map(SplitMix64.init)
        let ordered = try StepPlanner.topologicalOrder(graph)
        let trainable = parameters.layersThatTrain(in: graph)
        var needs = Set<String>()
        for layer in ordered {
            let fromInput = layer.op == .input && inputGradients
            if trainable.contains(layer.name) || fromInput || layer.inputs.contains(where: needs.contains) { needs.insert(layer.name) }
        }
        needsGradient = needs
        trainableLayers = trainable
        shapes = try StepPlanner.staticShapes(ordered)
        if dropoutSeed != nil, let (layer, reason) = TrainingModel.untrainableNoise(in: ordered) {
            throw ModelError.layer(layer.name, layer.op.rawValue, reason)
        }

        let base = TrainingModel.frozenBase(ordered, graph: graph, needsGradient: needs, frozenBatchNorm: frozenBatchNorm,
                                            dropout: dropoutSeed != nil)
        let running = ordered.filter { !base.contains($0.name) }
        frozenBaseLayers = ordered.map(\.name).filter(base.contains)
        let handed = Set(running.flatMap(\.inputs)).intersection(base)
        if handed.isEmpty {
            frozenBase = nil
        } else {
            let outputs = ordered.map(\.name).filter(handed.contains)
            let subgraph = ModelGraph(name: "\(graph.name) frozen base", layers: ordered.filter { $0.op == .input || base.contains($0.name) },
                                      inputs: graph.inputs, outputs: outputs)
            frozenBase = (try Model(graph: subgraph, weights: parameters, mode: .fused), outputs)
        }
        layers = running
        // The backward pass reads a layer's inputs and output when the layer needs a gradient; outputs are returned.
        let read = Set(running.filter { needs.contains($0.name) }.flatMap { $0.inputs + [$0.name] } + graph.outputs)
        var lastReader: [String: Int] = [:]
        for (position, layer) in running.enumerated() { for input in layer.inputs { lastReader[input] = position } }
        releasedAfter = lastReader.filter { !read.contains($0.key) }
        try compile(layers)
    }

    /// The layers that run as a fused inference model: not needing a gradient, not an output, reading only graph
    /// inputs and each other, and computing in training what they compute in inference (a BatchNormalization only
    /// when frozen ones infer, `tf2`; a dropout only when it is off).
    private static func frozenBase(_ layers: [Layer], graph: ModelGraph, needsGradient: Set<String>, frozenBatchNorm: FrozenBatchNorm,
                                   dropout: Bool) -> Set<String> {
        var base = Set<String>()
        for layer in layers where layer.op != .input && !needsGradient.contains(layer.name) && !graph.outputs.contains(layer.name) {
            let infers: Bool
            switch layer.op {
            case .batchNorm: infers = frozenBatchNorm == .tf2
            case .dropout: infers = !dropout || (layer.attributes["rate"]?.doubleValue ?? 0) == 0
            default: infers = true
            }
            if infers && layer.inputs.allSatisfy({ base.contains($0) || graph.inputs.contains($0) }) { base.insert(layer.name) }
        }
        return base
    }

    /// Rebuilds the trainable layers' kernels from the parameter store, after an optimizer step. Only their
    /// weights (and trainable BatchNormalizations' moving statistics) ever change: a frozen base is packed once.
    public func parametersChanged() throws {
        stale.formUnion(trainableLayers)
    }

    /// `layer`'s kernel, rebuilt first if its weights or moving statistics changed since it was built. Lazily, as
    /// a trainable BatchNormalization's inference kernel is read only outside training.
    private func kernel(for layer: Layer) throws -> LayerKernel {
        if stale.remove(layer.name) != nil { try compile([layer]) }
        return kernels[layer.name]!
    }

    /// Convolutions forward by Winograd where it pays at the graph's declared sizes, as in the fused model (their
    /// backward passes read the parameters, not the transformed kernels).
    private func compile(_ changed: [Layer]) throws {
        let compiler = LayerCompiler(weights: parameters, winograd: true)
        for layer in changed {
            kernels[layer.name] = try compiler.compile(StepPlan(layers: [layer], inputs: layer.inputs, headShape: shapes[layer.name]))
            guard layer.op.isWeighted else { continue }
            let activation = try LayerCompiler.activation(of: layer)
            if (activation == .softmax && graph.outputs.contains(layer.name))
                || (activation.backwardReadsInput && needsGradient.contains(layer.name)) {
                var linear = layer
                linear.attributes["activation"] = .string("linear")
                linearKernels[layer.name] = try compiler.compile(StepPlan(layers: [linear], inputs: layer.inputs,
                                                                          headShape: shapes[layer.name]))
            }
        }
    }

    /// The outputs for a batch. In training mode the values the backward pass reads are kept, BatchNormalization
    /// layers that train (and, under `keras2`, frozen ones) normalise by the batch's statistics, trainable ones
    /// update their moving statistics as Keras does, and dropout (when seeded) draws a fresh mask.
    public func forward(_ inputs: [Tensor], training: Bool) throws -> [Tensor] {
        guard inputs.count == graph.inputs.count else {
            throw ModelError("the model takes \(graph.inputs.count) input(s), got \(inputs.count)")
        }
        values = [:]; batchStatistics = [:]; masks = [:]; preActivations = [:]; logits = [:]
        if let frozenBase {
            // Views into the base's arena, valid until the next forward pass: as long as the backward pass needs them.
            for (name, value) in zip(frozenBase.outputs, try frozenBase.model.run(inputs)) { values[name] = value }
        }
        for (position, layer) in layers.enumerated() {
            let operands = layer.inputs.map { values[$0]! }
            do {
                values[layer.name] = try forward(layer, operands, inputs: inputs, training: training)
            } catch let error as ModelError {
                throw error
            } catch {
                throw ModelError.layer(layer.name, layer.op.rawValue, "\(error)")
            }
            for input in layer.inputs where releasedAfter[input] == position { values[input] = nil }
        }
        return graph.outputs.map { values[$0]! }
    }

    private func forward(_ layer: Layer, _ operands: [Tensor], inputs: [Tensor], training: Bool) throws -> Tensor {
        switch layer.op {
        case .input:
            return inputs[graph.inputs.firstIndex(of: layer.name)!]
        case .batchNorm where training && usesBatchStatistics(layer):
            let statistics = try BatchNorm.batchStatistics(operands[0])
            batchStatistics[layer.name] = statistics
            let output = try Tensor(shape: operands[0].shape)
            try BatchNorm.normalize(operands[0], mean: statistics.mean, variance: statistics.variance,
                                    gamma: parameters["\(layer.name)/gamma"]?.value, beta: parameters["\(layer.name)/beta"]?.value,
                                    epsilon: try epsilon(of: layer), into: output)
            if trainableLayers.contains(layer.name) {
                try updateMovingStatistics(layer, statistics, samples: operands[0].count / statistics.mean.count, rank: operands[0].rank)
                stale.insert(layer.name)   // its inference kernel reads the moving statistics
            }
            return output
        case .dropout where training && dropoutSeed != nil:
            let rate = Float(layer.attributes["rate"]?.doubleValue ?? 0)
            guard rate > 0 else { return operands[0] }
            let mask = try DropoutMask(shape: operands[0].shape, rate: rate, seed: dropoutSeeds!.next())
            dropoutMasksDrawn += 1
            masks[layer.name] = mask
            let output = try Tensor(shape: operands[0].shape)
            try mask.apply(operands[0], into: output)
            return output
        case .activation where graph.outputs.contains(layer.name) && layer.attributes["activation"]?.stringValue == "softmax":
            logits[layer.name] = operands[0]
            let output = try Tensor(shape: operands[0].shape)
            try Activation.softmax.forward(operands[0], into: output)
            return output
        case _ where linearKernels[layer.name] != nil:
            let preActivation = try Tensor(shape: kernel(for: layer).outputShape(for: operands))
            try linearKernels[layer.name]!.forward(operands, residual: nil, into: preActivation, workspace: workspace)
            preActivations[layer.name] = preActivation
            let activation = try LayerCompiler.activation(of: layer)
            if activation == .softmax { logits[layer.name] = preActivation }
            let output = try Tensor(shape: preActivation.shape)
            try activation.forward(preActivation, into: output)
            return output
        default:
            let kernel = try kernel(for: layer)
            if kernel.isView { return try kernel.view(of: operands[0]) }
            let output = try Tensor(shape: kernel.outputShape(for: operands))
            try kernel.forward(operands, residual: nil, into: output, workspace: workspace)
            return output
        }
    }

    /// The first noise layer Zoo cannot train as Keras does, and why. The graph keeps Keras' noise layers as
    /// `dropout` with a `kind`, which inference runs as the identity; training draws only plain inverted dropout over
    /// the whole input, so anything else is refused rather than trained with the wrong noise (or none). Anywhere
    /// in the graph counts: Keras applies a noise layer in training whether or not anything trains near it.
    private static func untrainableNoise(in layers: [Layer]) -> (layer: Layer, reason: String)? {
        for layer in layers where layer.op == .dropout {
            let kind = layer.attributes["kind"]?.stringValue ?? "dropout"
            if kind != "dropout" {
                return (layer, "\(kind) has no training pass in Zoo (only Dropout's inverted mask does)")
            }
            if layer.attributes["noise_shape"] != nil {
                return (layer, "dropout with a noise_shape has no training pass in Zoo (the mask covers the whole input)")
            }
        }
        return nil
    }

    /// Trainable BatchNormalization always trains on batch statistics; a frozen one only under Keras 2.2.
    private func usesBatchStatistics(_ layer: Layer) -> Bool {
        trainableLayers.contains(layer.name) || frozenBatchNorm == .keras2
    }

    private func epsilon(of layer: Layer) throws -> Float {
        guard let epsilon = layer.attributes["epsilon"]?.doubleValue else {
            throw ModelError.layer(layer.name, "batch_norm", "missing attribute 'epsilon'")
        }
        return Float(epsilon)
    }

    /// Keras 3: `moving = moving * momentum + batch * (1 - momentum)` with the biased batch variance.
    /// Keras 2.2 (docs/keras-numerics.md §9.1): the variance is Bessel-corrected, twice on the fused 4-D path
    /// (`n/(n-1)` by TensorFlow's fused kernel, then `n/(n-(1+epsilon))` by Keras), once otherwise, and the
    /// moving averages are zero-debiased: `biased = m * biased + (1-m) * value`, `moving = biased / (1 - m^t)`.
    private func updateMovingStatistics(_ layer: Layer, _ statistics: (mean: [Float], variance: [Float]), samples: Int, rank: Int) throws {
        guard let mean = parameters["\(layer.name)/moving_mean"]?.value,
              let variance = parameters["\(layer.name)/moving_variance"]?.value else {
            throw ModelError.layer(layer.name, "batch_norm", "no moving statistics in the parameter store")
        }
        let momentum = Float(layer.attributes["momentum"]?.doubleValue ?? TrainingAttributes.defaultMomentum)
        switch frozenBatchNorm {
        case .tf2:
            for c in statistics.mean.indices {
                mean.pointer[c] = mean.pointer[c] * momentum + statistics.mean[c] * (1 - momentum)
                variance.pointer[c] = variance.pointer[c] * momentum + statistics.variance[c] * (1 - momentum)
            }
        case .keras2:
            let n = Float(samples), epsilon = try epsilon(of: layer)
            let correction = (rank == 4 ? n / (n - 1) : 1) * n / (n - (1 + epsilon))
            let channels = statistics.mean.count
            var state = debiasing[layer.name] ?? ZeroDebiasAccumulator(mean: [Float](repeating: 0, count: channels),
                                                                       variance: [Float](repeating: 0, count: channels), step: 0)
            state.step += 1
            let debias = 1 - Float(pow(Double(momentum), Double(state.step)))
            for c in 0..<channels {
                state.mean[c] -= (state.mean[c] - statistics.mean[c]) * (1 - momentum)
                state.variance[c] -= (state.variance[c] - statistics.variance[c] * correction) * (1 - momentum)
                mean.pointer[c] = state.mean[c] / debias
                variance.pointer[c] = state.variance[c] / debias
            }
            debiasing[layer.name] = state
        }
    }

    /// The logits of the last forward pass's outputs (training or not): the softmax's input for an output made by a
    /// convolution, dense or Activation layer with a softmax, nil for any other output.
    public var outputLogits: [Tensor?] { graph.outputs.map { logits[$0] } }

    /// Each output's shape without the batch axis at the graph's declared input sizes (nil where only a run knows).
    public var outputShapes: [[Int?]] { graph.outputs.map { shapes[$0] ?? [] } }

    /// dL/d(parameters) (and of the inputs, when asked for at construction) from the gradients of the outputs,
    /// for the last `forward(_, training: true)`. With `ofLogits`, an output that has logits (`outputLogits`)
    /// takes its gradient with respect to them, fed past the softmax, as Keras 3 trains a softmax head.
    public func backward(_ outputGradients: [Tensor], ofLogits: Bool = false) throws -> ModelGradients {
        guard !values.isEmpty else { throw ModelError("backward needs a forward pass first") }
        guard outputGradients.count == graph.outputs.count else {
            throw ModelError("\(outputGradients.count) output gradients for \(graph.outputs.count) outputs")
        }
        var gradients = ValueGradients()
        for (name, gradient) in zip(graph.outputs, outputGradients) {
            guard gradient.shape == values[name]!.shape else {
                throw ModelError("the gradient of output '\(name)' is \(gradient.shape), the output is \(values[name]!.shape)")
            }
            try gradients.add(gradient, to: name, owned: false)   // the caller's: never summed into
        }
        var parameterGradients: [String: Tensor] = [:]
        for layer in layers.reversed() {
            guard let gradient = gradients.tensors[layer.name], layer.op != .input else { continue }
            do {
                try backward(layer, gradient, pastSoftmax: ofLogits && logits[layer.name] != nil, &gradients, &parameterGradients)
            } catch let error as ModelError {
                throw error
            } catch {
                throw ModelError.layer(layer.name, layer.op.rawValue, "backward: \(error)")
            }
        }
        let inputs = graph.inputs.map { inputGradients ? gradients.tensors[$0] : nil }
        return ModelGradients(parameters: parameterGradients, inputs: inputs)
    }

    /// dL/d(value) for the values the backward pass has reached, summed where a value feeds several layers. A sum
    /// goes into the first gradient's own memory when the pass owns it (a tensor one of its layers allocated, or
    /// handed on whole by a layer whose gradient it was); the caller's output gradients are copied first.
    private struct ValueGradients {
        private(set) var tensors: [String: Tensor] = [:]
        private var owned = Set<String>()

        mutating func add(_ gradient: Tensor, to value: String, owned isOwned: Bool) throws {
            guard let existing = tensors[value] else {
                tensors[value] = gradient
                if isOwned { owned.insert(value) }
                return
            }
            if owned.contains(value) {
                try existing.add(gradient)
            } else {
                let sum = try existing.copied()
                try sum.add(gradient)
                tensors[value] = sum
                owned.insert(value)
            }
        }

        func owns(_ value: String) -> Bool { owned.contains(value) }
    }

    /// One layer's backward pass: the gradients of its trainable weights, and of its inputs that need one.
    private func backward(_ layer: Layer, _ outputGradient: Tensor, pastSoftmax: Bool, _ gradients: inout ValueGradients,
                          _ parameterGradients: inout [String: Tensor]) throws {
        let kernel = kernels[layer.name]!
        let inputs = layer.inputs.map { values[$0]! }
        let output = values[layer.name]!
        let wanted = layer.inputs.map { needsGradient.contains($0) }
        func trainable(_ weight: String) -> Tensor? {
            guard let parameter = parameters["\(layer.name)/\(weight)"], parameter.trainable else { return nil }
            return parameter.value
        }
        func parameterGradient(_ weight: String) throws -> Tensor? {
            guard let value = trainable(weight) else { return nil }
            let gradient = try Tensor(shape: value.shape)
            parameterGradients["\(layer.name)/\(weight)"] = gradient
            return gradient
        }
        func inputGradient(_ index: Int) throws -> Tensor? {
            wanted[index] ? try Tensor(shape: inputs[index].shape) : nil
        }
        var results = [Tensor?](repeating: nil, count: inputs.count)
        /// The first input's gradient, when wanted, computed into fresh memory by `compute`.
        func firstInputGradient(_ compute: (Tensor) throws -> Void) throws -> Tensor? {
            guard let inputGradient = try inputGradient(0) else { return nil }
            try compute(inputGradient)
            return inputGradient
        }
        /// The gradient before a convolution's or dense layer's activation (the output gradient itself when the activation
        /// is linear, as of every convolution a BatchNormalization follows, or the gradient is already of the logits).
        func preActivationGradient(_ activation: Activation) throws -> Tensor {
            if pastSoftmax || activation == .linear { return outputGradient }
            let gradient = try Tensor(shape: output.shape)
            try activation.backward(input: preActivations[layer.name], output: output, outputGradient: outputGradient, into: gradient)
            return gradient
        }
        /// A convolution or dense layer: back through its activation, then its kernel and bias gradients and its input gradient.
        func weighted(_ layerKernel: some WeightedLayer) throws -> Tensor? {
            let preActivationGradient = try preActivationGradient(layerKernel.activation)
            if let kernelGradient = try parameterGradient("kernel") {
                try layerKernel.weightGradient(input: inputs[0], outputGradient: preActivationGradient, kernelGradient: kernelGradient,
                                               biasGradient: try parameterGradient("bias"), workspace: workspace)
            }
            guard let inputGradient = try inputGradient(0) else { return nil }
            let weights = parameters["\(layer.name)/kernel"]!.value
            try layerKernel.inputGradient(preActivationGradient, kernel: backwardFault?.inputGradientKernel(weights, of: layer) ?? weights,
                                          into: inputGradient, workspace: workspace)
            return inputGradient
        }

        switch kernel {
        case .conv2d(let convolution):
            results[0] = try weighted(convolution)
        case .depthwiseConv2d(let convolution):
            results[0] = try weighted(convolution)
        case .pooledConv2d:  // planned by the fused mode only: training compiles layer by layer
            throw ModelError.layer(layer.name, layer.op.rawValue, "a convolution fused with its pool has no backward pass")
        case .invertedResidual:  // the fused mode's too
            throw ModelError.layer(layer.name, layer.op.rawValue, "an inverted residual block in one step has no backward pass")
        case .separableConv2d(let convolution):
            let inputGradient = try inputGradient(0)
            try convolution.backward(input: inputs[0], outputGradient: preActivationGradient(convolution.activation),
                                     depthwiseKernel: parameters["\(layer.name)/depthwise_kernel"]!.value,
                                     pointwiseKernel: parameters["\(layer.name)/pointwise_kernel"]!.value,
                                     depthwiseKernelGradient: parameterGradient("depthwise_kernel"),
                                     pointwiseKernelGradient: parameterGradient("pointwise_kernel"), biasGradient: parameterGradient("bias"),
                                     inputGradient: inputGradient, workspace: workspace)
            results[0] = inputGradient
        case .dense(let dense):
            results[0] = try weighted(dense)
        case .batchNorm(let norm, _):  // compiled layer by layer: no activation joins it
            if let statistics = batchStatistics[layer.name] {
                let inputGradient = try inputGradient(0)
                try BatchNorm.batchBackward(input: inputs[0], outputGradient: outputGradient, mean: statistics.mean,
                                            variance: backwardFault?.batchBackwardVariance(statistics.variance, of: inputs[0]) ?? statistics.variance,
                                            gamma: parameters["\(layer.name)/gamma"]?.value,
                                            epsilon: try epsilon(of: layer), inputGradient: inputGradient,
                                            gammaGradient: try parameterGradient("gamma"), betaGradient: try parameterGradient("beta"))
                results[0] = inputGradient
            } else {
                results[0] = try firstInputGradient { try norm.inputGradient(outputGradient, into: $0) }
            }
        case .layerNorm(let norm):
            let inputGradient = try inputGradient(0)
            try norm.backward(input: inputs[0], outputGradient: outputGradient, inputGradient: inputGradient,
                              gammaGradient: parameterGradient("gamma"), betaGradient: parameterGradient("beta"))
            results[0] = inputGradient
        case .channelTransform(let transform):
            results[0] = try firstInputGradient { try transform.inputGradient(outputGradient, into: $0) }
        case .pool(let pool):
            results[0] = try firstInputGradient { try pool.backward(input: inputs[0], outputGradient: outputGradient, into: $0) }
        case .globalPool(let pool):
            results[0] = try firstInputGradient { try pool.backward(input: inputs[0], outputGradient: outputGradient, into: $0) }
        case .zeroPad(let pad):
            results[0] = try firstInputGradient { try pad.backward(outputGradient: outputGradient, into: $0) }
        case .crop(let crop):
            results[0] = try firstInputGradient { try crop.backward(outputGradient: outputGradient, into: $0) }
        case .upSampling(let upSampling):
            results[0] = try firstInputGradient { try upSampling.backward(outputGradient: outputGradient, into: $0) }
        case .resizing(let resizing):
            results[0] = try firstInputGradient { try resizing.backward(outputGradient: outputGradient, into: $0) }
        case .permute(let permute):
            results[0] = try firstInputGradient { try permute.backward(outputGradient: outputGradient, into: $0) }
        case .merge(let merge):
            for index in inputs.indices {
                if let inputGradient = try inputGradient(index) {
                    try merge.backward(inputs: inputs, outputGradient: outputGradient, input: index, into: inputGradient)
                    results[index] = inputGradient
                }
            }
        case .concatenate(let concatenate):
            for index in inputs.indices {
                if let inputGradient = try inputGradient(index) {
                    try concatenate.backward(outputGradient: outputGradient, inputs: inputs, input: index, into: inputGradient)
                    results[index] = inputGradient
                }
            }
        case .activation where pastSoftmax:
            if wanted[0] { results[0] = outputGradient }
        case .activation(let activation):
            results[0] = try firstInputGradient { try activation.backward(input: inputs[0], output: output, outputGradient: outputGradient, into: $0) }
        case .relu(let relu):
            results[0] = try firstInputGradient { try relu.backward(input: inputs[0], outputGradient: outputGradient, into: $0) }
        case .flatten, .reshape:
            if wanted[0] { results[0] = try outputGradient.reshaped(inputs[0].shape) }
        case .identity:
            if let mask = masks[layer.name], let inputGradient = try inputGradient(0) {
                try mask.apply(outputGradient, into: inputGradient)
                results[0] = inputGradient
            } else if wanted[0] {
                results[0] = outputGradient
            }
        case .input:
            break
        }
        // A result is this layer's own allocation, or its output gradient handed on whole (a pass-through or a view
        // of it, to one input): then it is owned as that gradient was, which no layer reads after this one.
        for (index, result) in results.enumerated() {
            guard let result else { continue }
            let handedOn = result.pointer == outputGradient.pointer
            try gradients.add(result, to: layer.inputs[index], owned: !handedOn || gradients.owns(layer.name))
        }
    }
}

/// Convolutions and dense share one backward pass: activation, then the kernel's two gradients.
protocol WeightedLayer {
    var activation: Activation { get }
    func inputGradient(_ outputGradient: Tensor, kernel: Tensor, into inputGradient: Tensor, workspace: Workspace) throws
    func weightGradient(input: Tensor, outputGradient: Tensor, kernelGradient: Tensor, biasGradient: Tensor?, workspace: Workspace) throws
}

extension Conv2D: WeightedLayer {}
extension Dense: WeightedLayer {}

/// The depthwise convolution needs no GEMM scratch memory.
extension DepthwiseConv2D: WeightedLayer {
    func inputGradient(_ outputGradient: Tensor, kernel: Tensor, into inputGradient: Tensor, workspace: Workspace) throws {
        try self.inputGradient(outputGradient, kernel: kernel, into: inputGradient)
    }

    func weightGradient(input: Tensor, outputGradient: Tensor, kernelGradient: Tensor, biasGradient: Tensor?, workspace: Workspace) throws {
        try weightGradient(input: input, outputGradient: outputGradient, kernelGradient: kernelGradient, biasGradient: biasGradient)
    }
}

import Converter
import Tensor

/// One step of execution: the Keras layers it computes (one, or in the fused mode a chain whose
/// intermediate outputs nobody else reads), what it reads, and the value it produces (the last layer's).
struct StepPlan {
    var layers: [Layer]
    /// A ZeroPadding2D folded in front of the first layer, which then reads its zeros instead of a padded copy.
    var zeroPadding: Layer?
    /// A squeeze-and-excitation `multiply` folded in front of a pointwise convolution: its per-channel gate, the step's
    /// second input, scales the convolution's kernel image by image instead of the whole map.
    var gate: Layer?
    /// A BatchNormalization and its activation folded in front of a pointwise convolution, which normalises and activates
    /// its input rows as its GEMM reads them (DenseNet's pre-activations).
    var preActivation: (norm: Layer, activation: Layer)?
    /// A depthwise convolution with one filter per channel, with the ZeroPadding2D it reads and the BatchNormalization and
    /// activation it absorbed, folded in front of a pointwise convolution, whose GEMM computes the depthwise pixels a row
    /// block at a time as it reads them (MobileNetV2's `depthwise -> bn -> relu6 -> project`).
    var depthwiseStage: (zeroPadding: Layer?, layers: [Layer])?
    /// A pointwise convolution chain (its BatchNormalization and activation) read only by the depthwise stage, folded in
    /// front of it: MobileNetV2's inverted residual block as one step (`InvertedResidual`).
    var expansion: [Layer]?
    /// Values the step reads (the folded ZeroPadding2D's, BatchNormalization's or depthwise stage's, the folded multiply's
    /// map and gate, or the first layer's).
    var inputs: [String]
    /// The other operand of an `add` folded into a convolution's epilogue (the ResNet shortcut).
    var residual: String?
    /// The first layer's output shape without the batch axis, nil where only the run knows it. Planned in the
    /// fused mode only (the layer-by-layer mode does not choose algorithms by shape).
    var headShape: [Int?]?

    var name: String { layers[layers.count - 1].name }
    var head: Layer { layers[0] }
    /// Every Keras layer the step computes, in order.
    var allLayers: [Layer] {
        (expansion ?? []) + [depthwiseStage?.zeroPadding].compactMap { $0 } + (depthwiseStage?.layers ?? [])
            + [preActivation?.norm, preActivation?.activation, zeroPadding, gate].compactMap { $0 } + layers
    }
    /// `conv2d+batch_norm+add+activation` for messages.
    var opDescription: String { allLayers.map(\.op.rawValue).joined(separator: "+") }
}

/// Orders a graph's layers into steps. Layer by layer, every Keras layer is its own step so its output
/// can be compared with Keras'. Fused, a convolution absorbs what follows it when no one else reads the
/// values in between: a BatchNormalization (folded into its weights), an `add` (its residual input; not a
/// depthwise convolution, which has no GEMM epilogue), an element-wise activation (its epilogue) and a dropout (the
/// identity at inference); a linear pointwise convolution absorbs a 'valid' average pool after it, which then runs
/// first; a dense layer absorbs an activation.
/// That is ResNet50's `conv -> bn -> add -> relu` in one GEMM pass, and MobileNetV2's `depthwise -> bn -> relu6`
/// in one pass. A BatchNormalization that no convolution absorbed takes the element-wise activation after it (DenseNet's
/// pre-activations). A ZeroPadding2D read only by a 'valid' max pool, convolution or depthwise convolution folds into it,
/// so the padded image is never written (ResNet's and DenseNet's stems, MobileNetV2's and EfficientNet's strided blocks).
/// A squeeze-and-excitation `multiply` read only by a 1x1 convolution folds into it as its input scale (EfficientNet's blocks). A
/// BatchNormalization and its activation read only by a 1x1 stride-1 convolution fold into that convolution's reading of
/// its input (DenseNet's pre-activations before each bottleneck and transition). A depthwise convolution with one filter
/// per channel, with what it absorbed, read only by a 1x1 stride-1 convolution, folds into that convolution as a
/// separable convolution's depthwise stage (MobileNetV2's blocks), and the pointwise convolution read only by that stage
/// folds in front of it (the block's expansion: an inverted residual block in one step).
enum StepPlanner {
    static func plan(_ graph: ModelGraph, fuse: Bool) throws -> [StepPlan] {
        let layers = try topologicalOrder(graph)
        guard fuse else { return layers.map { StepPlan(layers: [$0], inputs: $0.inputs) } }

        let shapes = try staticShapes(layers)
        var readers: [String: [Layer]] = [:]
        for layer in layers { for input in layer.inputs { readers[input, default: []].append(layer) } }
        let outputs = Set(graph.outputs)
        /// The one layer reading `value`, if it is the only reader and the value is not a model output.
        func soleReader(_ value: String) -> Layer? {
            guard !outputs.contains(value), let list = readers[value], list.count == 1, list[0].inputs.count(where: { $0 == value }) == 1 else { return nil }
            return list[0]
        }

        var absorbed = Set<String>()
        /// The ZeroPadding2D each layer reads in place of a padded copy, by that layer's name.
        var foldedPadding: [String: Layer] = [:]
        /// The squeeze-and-excitation multiply each convolution takes as a scale of its kernel, with its map and gate.
        var foldedGate: [String: (multiply: Layer, data: String, gate: String)] = [:]
        /// The BatchNormalization and activation each pointwise convolution applies to its input rows, by its name.
        var foldedPreActivation: [String: (norm: Layer, activation: Layer)] = [:]
        /// The depthwise step each pointwise convolution computes its input rows by, by the convolution's name.
        var foldedDepthwise: [String: StepPlan] = [:]
        var steps: [(position: Int, plan: StepPlan)] = []
        let position = Dictionary(uniqueKeysWithValues: layers.enumerated().map { ($1.name, $0) })
        for layer in layers where !absorbed.contains(layer.name) {
            if layer.op == .zeroPad2d, let reader = soleReader(layer.name), readsPaddingAsZeros(reader, padding: layer) {
                foldedPadding[reader.name] = layer
                continue
            }
            if layer.op == .multiply, let reader = soleReader(layer.name), let (data, gate) = gatedInput(layer, reader: reader, shapes: shapes) {
                foldedGate[reader.name] = (layer, data, gate)
                continue
            }
            if layer.op == .batchNorm, let next = soleReader(layer.name), isPreActivation(next),
               let reader = soleReader(next.name), reader.op == .conv2d, isPointwise(reader) {
                foldedPreActivation[reader.name] = (layer, next)
                absorbed.insert(next.name)
                continue
            }
            var plan = StepPlan(layers: [layer], inputs: layer.inputs, headShape: shapes[layer.name])
            if let padding = foldedPadding[layer.name] {
                plan.zeroPadding = padding
                plan.inputs = padding.inputs
            }
            if let folded = foldedGate[layer.name] {
                plan.gate = folded.multiply
                plan.inputs = [folded.data, folded.gate]
            }
            if let folded = foldedPreActivation[layer.name] {
                plan.preActivation = folded
                plan.inputs = folded.norm.inputs
            }
            if let folded = foldedDepthwise[layer.name] {
                plan.depthwiseStage = (folded.zeroPadding, folded.layers)
                plan.inputs = folded.inputs
            }
            if layer.op.isWeighted, layer.attributes["activation"]?.stringValue ?? "linear" == "linear" {
                while let next = soleReader(plan.name), !absorbed.contains(next.name),
                      let extended = absorb(next, into: plan, shapes: shapes) {
                    plan = extended
                    absorbed.insert(next.name)
                }
            } else if layer.op == .batchNorm, let next = soleReader(layer.name), isPreActivation(next) {
                plan.layers.append(next)
                absorbed.insert(next.name)
            }
            if layer.op == .depthwiseConv2d, let reader = soleReader(plan.name), reader.op == .conv2d, isPointwise(reader),
               isDepthwiseStage(plan) {
                foldedDepthwise[reader.name] = plan
                continue
            }
            steps.append((position[plan.name]!, plan))
        }
        // A chain runs where its last layer stood, when all it reads (the residual too) exists.
        var plans = steps.sorted { $0.position < $1.position }.map(\.plan)
        // An expansion read only by a depthwise stage joins its step, and reads what the expansion read.
        for index in plans.indices.reversed() {
            guard let stage = plans[index].depthwiseStage, let reader = soleReader(plans[index].inputs[0]),
                  reader.name == (stage.zeroPadding ?? stage.layers[0]).name,
                  let producer = plans.firstIndex(where: { $0.name == plans[index].inputs[0] }), isExpansion(plans[producer]) else { continue }
            plans[index].expansion = plans[producer].layers
            plans[index].inputs = plans[producer].inputs
            plans.remove(at: producer)
        }
        return plans
    }

    /// Whether a step is a pointwise convolution with at most a BatchNormalization, an element-wise activation and a
    /// dropout after it, nothing folded in front: an inverted residual block's expansion.
    private static func isExpansion(_ plan: StepPlan) -> Bool {
        plan.head.op == .conv2d && isPointwise(plan.head) && plan.zeroPadding == nil && plan.gate == nil && plan.preActivation == nil
            && plan.depthwiseStage == nil && plan.residual == nil && activatesElementwise(plan)
            && plan.layers.dropFirst().allSatisfy { [.batchNorm, .dropout, .activation].contains($0.op) }
    }

    /// `plan` extended by `next`, or nil when `next` cannot join it.
    private static func absorb(_ next: Layer, into plan: StepPlan, shapes: [String: [Int?]]) -> StepPlan? {
        let ops = plan.layers.map(\.op)
        let isConvolution = plan.head.op.isConvolution
        let hasActivation = ops.contains(.activation)
        var extended = plan
        extended.layers.append(next)
        switch next.op {
        case .batchNorm where isConvolution && ops == [plan.head.op]:
            return extended
        case .add where plan.head.op.takesResidual && !ops.contains(.add) && !hasActivation && next.inputs.count == 2:
            let other = next.inputs[0] == plan.name ? next.inputs[1] : next.inputs[0]
            // The epilogue adds element by element: no broadcasting.
            guard let mine = shapes[plan.name], let theirs = shapes[other], mine == theirs, !mine.contains(1) else { return nil }
            extended.residual = other
            return extended
        case .activation where !hasActivation && fusableActivation(next):
            return extended
        case .avgPool2d where plan.head.op == .conv2d && isPointwise(plan.head) && plan.gate == nil
                && ops.allSatisfy({ $0 == .conv2d || $0 == .batchNorm }) && next.attributes["padding"]?.stringValue == Padding.valid.rawValue:
            // A linear pointwise convolution commutes with the pool after it, which then runs first, on its input
            // (DenseNet's transitions: a quarter of the pixels to multiply).
            return extended
        case .dropout where isConvolution:
            // The identity at inference: EfficientNet's stochastic depth between a projection and its residual add.
            return extended
        default:
            return nil
        }
    }

    /// Whether `reader` can take the zeros of `padding` (its sole reader) as its own padding: a 'valid' max pool (the
    /// zeros take part in the maximum), or a 'valid' convolution or depthwise convolution whose window, on each side,
    /// reaches no further into the zeros than its kernel's span less one, the most any padding rule adds (a wider
    /// margin would work too, but no model has one).
    private static func readsPaddingAsZeros(_ reader: Layer, padding: Layer) -> Bool {
        guard reader.attributes["padding"]?.stringValue == Padding.valid.rawValue,
              let pads = padding.attributes["padding"]?.intsValue, pads.count == 4 else { return false }
        switch reader.op {
        case .maxPool2d:
            return true
        case .conv2d, .depthwiseConv2d:
            guard let kernel = reader.attributes["kernel_size"]?.intsValue, kernel.count == 2 else { return false }
            let dilation = reader.attributes["dilation_rate"]?.intsValue ?? [1, 1]
            guard dilation.count == 2 else { return false }
            let reach = [(kernel[0] - 1) * dilation[0], (kernel[1] - 1) * dilation[1]]
            return pads.allSatisfy { $0 >= 0 } && max(pads[0], pads[1]) <= reach[0] && max(pads[2], pads[3]) <= reach[1]
        default:
            return false
        }
    }

    /// Whether `layer`, read after a BatchNormalization, is an activation that can join it element by element.
    private static func isPreActivation(_ layer: Layer) -> Bool {
        layer.op == .activation && fusableActivation(layer) && layer.attributes["activation"]?.stringValue != "softmax"
    }

    /// Whether a depthwise step can be a separable convolution's depthwise stage: one filter per channel (the GEMM's row
    /// kernel), no residual, and an element-wise activation, if any.
    private static func isDepthwiseStage(_ plan: StepPlan) -> Bool {
        (plan.head.attributes["depth_multiplier"]?.intValue ?? 1) == 1 && plan.residual == nil && activatesElementwise(plan)
    }

    /// Whether every activation of a step, its head's own and those it absorbed, is element-wise (a stage whose values a
    /// later GEMM reads row by row cannot wait for a softmax over whole rows).
    private static func activatesElementwise(_ plan: StepPlan) -> Bool {
        plan.head.attributes["activation"]?.stringValue ?? "linear" != "softmax"
            && plan.layers.dropFirst().allSatisfy { $0.op != .activation || isPreActivation($0) }
    }

    /// Whether a convolution is a 1x1 stride-1 ungrouped, undilated one: a matrix product over the input's pixels.
    private static func isPointwise(_ convolution: Layer) -> Bool {
        let attributes = convolution.attributes
        return attributes["kernel_size"]?.intsValue == [1, 1] && (attributes["strides"]?.intsValue ?? [1, 1]) == [1, 1]
            && (attributes["dilation_rate"]?.intsValue ?? [1, 1]) == [1, 1] && (attributes["groups"]?.intValue ?? 1) == 1
    }

    /// The map and the gate of a squeeze-and-excitation `multiply` whose sole reader, a 1x1 stride-1 convolution, can
    /// take the gate as its input scale: one input an (H, W, C) map, the other (1, 1, C), one factor per image and
    /// channel. `Conv2D.forward` scales the kernel's rows where the map has at least as many pixels as the convolution
    /// has filters (C x filters products per image, against the map's H x W x C), else the map's rows as its GEMM reads
    /// them (EfficientNetB0's 7x7 blocks).
    private static func gatedInput(_ multiply: Layer, reader: Layer, shapes: [String: [Int?]]) -> (data: String, gate: String)? {
        guard multiply.inputs.count == 2, reader.op == .conv2d, isPointwise(reader) else { return nil }
        for (data, gate) in [(multiply.inputs[0], multiply.inputs[1]), (multiply.inputs[1], multiply.inputs[0])] {
            guard let map = shapes[data], map.count == 3, let channels = map[2], shapes[gate] == [1, 1, channels] else { continue }
            return (data, gate)
        }
        return nil
    }

    /// Activations a GEMM epilogue can apply: all but Keras' general ReLU.
    private static func fusableActivation(_ layer: Layer) -> Bool { !layer.isGeneralReLU }

    /// The layers with every layer after those it reads; ties keep the graph's order. Fails on a cycle
    /// or on an input that no layer produces.
    static func topologicalOrder(_ graph: ModelGraph) throws -> [Layer] {
        let names = Set(graph.layers.map(\.name))
        for layer in graph.layers {
            for input in layer.inputs where !names.contains(input) {
                throw ModelError.layer(layer.name, layer.op.rawValue, "reads '\(input)', which no layer produces")
            }
        }
        for output in graph.outputs where !names.contains(output) {
            throw ModelError("graph '\(graph.name)': output '\(output)' is not a layer")
        }
        var done = Set<String>(), ordered: [Layer] = []
        var pending = graph.layers
        while !pending.isEmpty {
            guard let next = pending.firstIndex(where: { $0.inputs.allSatisfy(done.contains) }) else {
                throw ModelError("graph '\(graph.name)': layers \(pending.map(\.name).prefix(5)) form a cycle")
            }
            done.insert(pending[next].name)
            ordered.append(pending.remove(at: next))
        }
        return ordered
    }

    /// Output shapes without the batch axis (nil where only the run knows), as the converter infers them.
    static func staticShapes(_ layers: [Layer]) throws -> [String: [Int?]] {
        var builder = GraphBuilder(name: "shapes")
        var tensors: [String: GraphBuilder.Node] = [:]
        for layer in layers {
            if layer.op == .input {
                let shape = layer.attributes["shape"]?.intsValue ?? []
                tensors[layer.name] = try builder.input(layer.name, shape: shape.map { $0 < 0 ? nil : $0 })
            } else {
                tensors[layer.name] = try builder.add(layer.name, layer.op, layer.attributes, inputs: layer.inputs.map { tensors[$0]! })
            }
        }
        return tensors.mapValues(\.shape)
    }
}

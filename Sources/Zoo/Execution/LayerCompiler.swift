import Converter
import Tensor

/// Turns planned steps into kernels: reads each layer's attributes (the keys `ShapeInference` documents)
/// and weights, folds a fused BatchNormalization into its convolution, and refuses what it cannot run.
struct LayerCompiler {
    let weights: WeightSource
    /// Whether convolutions may use Winograd F(2x2, 3x3) (the fused mode). The layer-by-layer mode keeps
    /// the implicit GEMM, whose sums are ordered as TensorFlow's: it is the reference path.
    let winograd: Bool

    func compile(_ plan: StepPlan) throws -> LayerKernel {
        let head = plan.head
        do {
            switch head.op {
            case .conv2d: return try convolution(plan)
            case .depthwiseConv2d: return .depthwiseConv2d(try depthwiseConvolution(plan))
            case .separableConv2d: return try separableConvolution(plan)
            case .dense:
                let activation = try plan.layers.count > 1 ? Self.activation(of: plan.layers[1]) : Self.activation(of: head)
                return .dense(try Dense(packedKernel: packedKernel(head), bias: optionalWeight(head, "bias"), activation: activation))
            case .maxPool2d where plan.zeroPadding != nil:
                return try paddedPool(plan)
            case .batchNorm where plan.layers.count == 2:
                return .batchNorm(try batchNorm(head), activation: try Self.activation(of: plan.layers[1]))
            default:
                guard plan.allLayers.count == 1 else { throw LayerProblem("cannot fuse \(plan.opDescription)") }
                return try single(head)
            }
        } catch let problem as LayerProblem {
            throw ModelError.layer(head.name, plan.opDescription, problem.description)
        } catch let error as TensorError {
            throw ModelError.layer(head.name, plan.opDescription, "\(error)")
        }
    }

    /// A layer that is a step on its own.
    private func single(_ layer: Layer) throws -> LayerKernel {
        let attributes = Attributes(layer)
        switch layer.op {
        case .input: return .input
        case .conv2d, .depthwiseConv2d, .separableConv2d, .dense: return try compile(StepPlan(layers: [layer], inputs: layer.inputs))
        case .batchNorm: return .batchNorm(try batchNorm(layer), activation: .linear)
        case .layerNorm:
            guard let epsilon = attributes.double("epsilon") else { throw LayerProblem("missing attribute 'epsilon'") }
            return .layerNorm(try LayerNorm(gamma: optionalWeight(layer, "gamma"), beta: optionalWeight(layer, "beta"), epsilon: Float(epsilon)))
        case .normalization:
            return .channelTransform(try .normalization(mean: statistic(layer, "mean"), variance: statistic(layer, "variance"),
                                                        invert: attributes.bool("invert", default: false)))
        case .rescaling:
            return .channelTransform(try .rescaling(scale: attributes.floats("scale"), offset: attributes.floats("offset")))
        case .maxPool2d, .avgPool2d:
            return .pool(try Pool2D(layer.op == .maxPool2d ? .max : .average, poolSize: attributes.pair("pool_size"),
                                    strides: attributes.pair("strides"), padding: attributes.padding()))
        case .globalAvgPool2d, .globalMaxPool2d:
            return .globalPool(GlobalPool2D(layer.op == .globalMaxPool2d ? .max : .average,
                                            keepDimensions: attributes.bool("keepdims", default: false)))
        case .zeroPad2d:
            let pads = try attributes.ints("padding", count: 4)
            return .zeroPad(try ZeroPadding2D(top: pads[0], bottom: pads[1], left: pads[2], right: pads[3]))
        case .cropping2d:
            let crops = try attributes.ints("cropping", count: 4)
            return .crop(try Cropping2D(.margins(top: crops[0], bottom: crops[1], left: crops[2], right: crops[3])))
        case .centerCrop:
            return .crop(try Cropping2D(.centered(height: attributes.int("height"), width: attributes.int("width"))))
        case .upSampling2d:
            let name = layer.attributes["interpolation"]?.stringValue ?? "nearest"
            guard let interpolation = UpSampling2D.Interpolation(rawValue: name) else {
                throw LayerProblem("interpolation '\(name)' is not supported (supported: nearest, bilinear)")
            }
            return .upSampling(try UpSampling2D(size: attributes.pair("size"), interpolation: interpolation))
        case .resizing:
            let name = layer.attributes["interpolation"]?.stringValue ?? "bilinear"
            guard let interpolation = Resizing.Interpolation(rawValue: name) else {
                throw LayerProblem("interpolation '\(name)' is not supported (supported: bilinear, nearest)")
            }
            return .resizing(try Resizing(height: attributes.int("height"), width: attributes.int("width"), interpolation: interpolation,
                                          cropToAspectRatio: attributes.bool("crop_to_aspect_ratio", default: false)))
        case .permute: return .permute(try Permute(dims: attributes.ints("dims")))
        case .add: return .merge(Merge(.add))
        case .subtract: return .merge(Merge(.subtract))
        case .multiply: return .merge(Merge(.multiply))
        case .maximum: return .merge(Merge(.maximum))
        case .average: return .merge(Merge(.average))
        case .divide: return .merge(Merge(.divide))  // the attention head's RescaleGAP, x[0] / x[1]
        case .concatenate: return .concatenate(Concatenate(axis: attributes.int("axis", default: -1)))
        case .flatten: return .flatten
        case .reshape: return .reshape(try attributes.ints("target_shape"))
        case .dropout: return .identity
        case .activation:
            if layer.isGeneralReLU {
                return .relu(try KerasReLU(maxValue: attributes.double("max_value").map(Float.init),
                                           negativeSlope: Float(attributes.double("alpha") ?? 0),
                                           threshold: Float(attributes.double("threshold") ?? 0)))
            }
            return .activation(try Self.activation(of: layer))
        }
    }

    /// A max pool that reads the zeros of the ZeroPadding2D before it instead of a padded copy of the image.
    private func paddedPool(_ plan: StepPlan) throws -> LayerKernel {
        let attributes = Attributes(plan.head)
        return .pool(try Pool2D(.max, poolSize: attributes.pair("pool_size"), strides: attributes.pair("strides"), padding: .valid,
                                zeroPadding: zeroPadding(of: plan)))
    }

    /// The zeros of the ZeroPadding2D the plan folds in front of its head, or none.
    private func zeroPadding(of plan: StepPlan) throws -> ZeroPadding {
        guard let layer = plan.zeroPadding else { return .none }
        let pads = try Attributes(layer).ints("padding", count: 4)
        return ZeroPadding(top: pads[0], bottom: pads[1], left: pads[2], right: pads[3])
    }

    /// A convolution, with what the plan fused into it: a depthwise stage that computes its input rows (then a separable
    /// convolution, and with the expansion before that stage an inverted residual block), a BatchNormalization and activation before it that normalise its input rows as they are read, an average pool after it that runs before it (a pointwise convolution), the zeros of a ZeroPadding2D before it, a BatchNormalization folded into its weights
    /// (`W * scale` per output channel, `b * scale + shift`, as TensorFlow's own folding does), an `add`
    /// as the residual, an activation in the epilogue. The kernel is prepared straight from the weight
    /// source's values, so loading keeps no float32 copy of it.
    private func convolution(_ plan: StepPlan) throws -> LayerKernel {
        let attributes = Attributes(plan.head)
        let convolution = try fusedConvolution(plan, kernel: "kernel", strides: attributes.pair("strides"), padding: attributes.padding(),
                                               zeroPadding: zeroPadding(of: plan),
                                               dilation: attributes.pair("dilation_rate", default: (1, 1)),
                                               groups: attributes.int("groups", default: 1))
        if let stage = plan.depthwiseStage {
            let depthwise = try depthwiseConvolution(StepPlan(layers: stage.layers, zeroPadding: stage.zeroPadding, inputs: plan.inputs))
            let separable = try SeparableConv2D(depthwise: depthwise, pointwise: convolution)
            guard let expansion = plan.expansion else { return .separableConv2d(separable) }
            let expanding = try fusedConvolution(StepPlan(layers: expansion, inputs: plan.inputs), kernel: "kernel", strides: (1, 1), padding: .valid,
                                                 zeroPadding: .none, dilation: (1, 1), groups: 1)
            return .invertedResidual(try InvertedResidual(expansion: expanding, block: separable))
        }
        guard let pool = plan.layers.last, pool.op == .avgPool2d else { return .conv2d(convolution) }
        let poolAttributes = Attributes(pool)
        return .pooledConv2d(try PooledPointwiseConvolution(convolution: convolution, poolSize: poolAttributes.pair("pool_size"),
                                                            strides: poolAttributes.pair("strides")))
    }

    /// A separable convolution: its depthwise stage as the layer describes it, its pointwise stage a 1x1 convolution with
    /// what the plan fused into it, as `convolution`'s.
    private func separableConvolution(_ plan: StepPlan) throws -> LayerKernel {
        let attributes = Attributes(plan.head)
        let depthwise = try DepthwiseConv2D(kernel: weight(plan.head, "depthwise_kernel"), bias: nil, strides: attributes.pair("strides"),
                                            padding: attributes.padding(), dilation: attributes.pair("dilation_rate", default: (1, 1)))
        let pointwise = try fusedConvolution(plan, kernel: "pointwise_kernel", strides: (1, 1), padding: .valid, zeroPadding: .none,
                                             dilation: (1, 1), groups: 1)
        return .separableConv2d(try SeparableConv2D(depthwise: depthwise, pointwise: pointwise))
    }

    /// The convolution by the plan head's weight `name` and `bias`, in `groups`, with what the plan fused into it.
    private func fusedConvolution(_ plan: StepPlan, kernel name: String, strides: (Int, Int), padding: Padding, zeroPadding: ZeroPadding,
                                  dilation: (Int, Int), groups: Int) throws -> Conv2D {
        let layer = plan.head
        guard let spec = layer.weights.first(where: { $0.name == name }), spec.shape.count == 4 else {
            throw LayerProblem("the graph lists no 4-D weight '\(name)'")
        }
        let norm = try foldedNorm(in: plan, channels: spec.shape[3])
        let activation = try Self.activation(of: plan.layers.last { $0.op == .activation } ?? layer)
        let algorithm: Conv2D.Algorithm = winograd && groups == 1 && Self.winogradPays(kernel: spec.shape, strides: strides, dilation: dilation,
                                                                                       output: plan.headShape) ? .winograd : .gemm
        let kernel = try weights.withValues(named: layer.tensorName(of: spec), shape: spec.shape) {
            try Conv2D.Kernel(hwio: $0, shape: spec.shape, groups: groups, outputScale: norm?.scale, algorithm: algorithm)
        }
        let bias = try norm.map { try $0.foldedBias(optionalWeight(layer, "bias")) } ?? optionalWeight(layer, "bias")
        let preActivation = try plan.preActivation.map { try Conv2D.PreActivation(norm: batchNorm($0.norm), activation: Self.activation(of: $0.activation)) }
        return try Conv2D(kernel: kernel, bias: bias, strides: strides, padding: padding, zeroPadding: zeroPadding, dilation: dilation,
                          activation: activation, preActivation: preActivation)
    }

    /// A depthwise convolution, with a BatchNormalization folded into it as into a convolution (the kernel's last two
    /// axes, read flat, are its output channels) and an activation after it.
    private func depthwiseConvolution(_ plan: StepPlan) throws -> DepthwiseConv2D {
        let layer = plan.head, attributes = Attributes(layer)
        guard let spec = layer.weights.first(where: { $0.name == "kernel" }), spec.shape.count == 4 else {
            throw LayerProblem("the graph lists no 4-D weight 'kernel'")
        }
        var kernel = try weight(layer, "kernel"), bias = try optionalWeight(layer, "bias")
        let channels = spec.shape[2] * spec.shape[3]
        if let norm = try foldedNorm(in: plan, channels: channels) {
            let scaled = try Tensor(shape: spec.shape)
            for i in 0..<kernel.count { scaled.pointer[i] = kernel.pointer[i] * norm.scale[i % channels] }
            bias = try norm.foldedBias(bias)
            kernel = scaled
        }
        let activation = try Self.activation(of: plan.layers.last { $0.op == .activation } ?? layer)
        return try DepthwiseConv2D(kernel: kernel, bias: bias, strides: attributes.pair("strides"), padding: attributes.padding(),
                                   zeroPadding: zeroPadding(of: plan), dilation: attributes.pair("dilation_rate", default: (1, 1)),
                                   activation: activation)
    }

    /// The BatchNormalization the plan folds into its convolution, checked to normalise the `channels` it makes.
    private func foldedNorm(in plan: StepPlan, channels: Int) throws -> BatchNorm? {
        guard let normLayer = plan.layers.first(where: { $0.op == .batchNorm }) else { return nil }
        let norm = try batchNorm(normLayer)
        guard norm.channels == channels else {
            throw ModelError.layer(normLayer.name, "batch_norm", "normalises \(norm.channels) channels, the convolution makes \(channels)")
        }
        return norm
    }

    /// Whether Winograd F(2x2, 3x3) beats the GEMM: 3x3 stride-1 layers past the first (an RGB stem has 3
    /// input channels) whose output map has at least 14x14 pixels, or is only known at run time.
    /// TensorBench (`conv`, `resnet-conv`): VGG16 57 ms against 77 ms by GEMM with this rule; ResNet50's
    /// 14x14 3x3 layer 0.28 ms against 0.47 by GEMM, but its 7x7 one 0.74 ms against 0.56 (2x2 tiles pad 7
    /// to 8, and 16 tiles are too few rows to keep the GEMM busy). Winograd weights take 16/9 of the memory,
    /// so the GEMM on small maps also saves 22 MB of ResNet50's 103.
    static func winogradPays(kernel: [Int], strides: (Int, Int), dilation: (Int, Int), output: [Int?]?) -> Bool {
        guard kernel[0] == 3, kernel[1] == 3, strides == (1, 1), dilation == (1, 1), kernel[2] >= 16 else { return false }
        guard let output, output.count == 3, let height = output[0], let width = output[1] else { return true }
        return height * width >= 14 * 14
    }

    private func batchNorm(_ layer: Layer) throws -> BatchNorm {
        guard let epsilon = layer.attributes["epsilon"]?.doubleValue else { throw LayerProblem("missing attribute 'epsilon'") }
        return try BatchNorm(gamma: optionalWeight(layer, "gamma"), beta: optionalWeight(layer, "beta"),
                             movingMean: weight(layer, "moving_mean"), movingVariance: weight(layer, "moving_variance"),
                             epsilon: Float(epsilon))
    }

    /// The activation a layer names (`activation` attribute, `alpha` for elu and leaky_relu; Keras' ReLU
    /// layer with only a negative slope is a leaky ReLU, with only `max_value` 6 a relu6).
    static func activation(of layer: Layer) throws -> Activation {
        let name = layer.attributes["activation"]?.stringValue ?? "linear"
        let alpha = layer.attributes["alpha"]?.doubleValue.map(Float.init)
        switch (name, alpha) {
        case ("relu", _) where layer.isReLU6: return .relu6
        case ("relu", let slope?) where slope != 0: return .leakyRelu(alpha: slope)
        case ("leaky_relu", let slope?): return .leakyRelu(alpha: slope)
        case ("elu", let scale?): return .elu(alpha: scale)
        default: return try Activation(kerasName: name)
        }
    }

    /// A Normalization's `mean` or `variance`: the value given to its constructor, else the one `adapt()` stored.
    private func statistic(_ layer: Layer, _ name: String) throws -> [Float] {
        if layer.attributes[name] != nil { return try Attributes(layer).floats(name) }
        return try weight(layer, name).toArray()
    }

    private func weight(_ layer: Layer, _ name: String) throws -> Tensor {
        guard let spec = layer.weights.first(where: { $0.name == name }) else { throw LayerProblem("the graph lists no weight '\(name)'") }
        return try weights.tensor(named: layer.tensorName(of: spec), shape: spec.shape)
    }

    private func packedKernel(_ layer: Layer) throws -> PackedMatrix {
        guard let spec = layer.weights.first(where: { $0.name == "kernel" }) else { throw LayerProblem("the graph lists no weight 'kernel'") }
        return try weights.packedMatrix(named: layer.tensorName(of: spec), shape: spec.shape)
    }

    private func optionalWeight(_ layer: Layer, _ name: String) throws -> Tensor? {
        guard layer.weights.contains(where: { $0.name == name }) else { return nil }
        return try weight(layer, name)
    }
}

extension Layer {
    /// Keras' ReLU layer with a max value or a threshold: a `KerasReLU` step of its own, which no element-wise
    /// epilogue can stand in for. Except `ReLU(6.0)` (MobileNet's), which is the `relu6` activation.
    var isGeneralReLU: Bool { (attributes["max_value"] != nil && !isReLU6) || attributes["threshold"] != nil }

    /// Keras' `ReLU(max_value=6)` without slope or threshold: what Keras computes by `relu6` (KerasReLU's own reading
    /// of it), value for value and in its gradient.
    var isReLU6: Bool {
        attributes["activation"]?.stringValue == "relu" && attributes["max_value"]?.doubleValue == 6
            && attributes["threshold"] == nil && (attributes["alpha"]?.doubleValue ?? 0) == 0
    }
}

extension Op {
    /// The ops with a kernel, a bias and an activation of their own.
    var isWeighted: Bool { isConvolution || self == .dense }
    /// The convolutions: a BatchNormalization after one folds into its kernel in the fused mode.
    var isConvolution: Bool { self == .conv2d || self == .depthwiseConv2d || self == .separableConv2d }
    /// The convolutions whose GEMM epilogue adds a residual (the depthwise one has no GEMM).
    var takesResidual: Bool { self == .conv2d || self == .separableConv2d }
}

/// What is wrong with one layer's description; `compile` names the layer.
private struct LayerProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Typed reads of a layer's attributes, failing with the key's name.
private struct Attributes {
    let values: [String: AttributeValue]

    init(_ layer: Layer) { values = layer.attributes }

    func pair(_ key: String, default fallback: (Int, Int)? = nil) throws -> (Int, Int) {
        guard let value = values[key]?.intsValue, value.count == 2 else {
            if let fallback, values[key] == nil { return fallback }
            throw LayerProblem("attribute '\(key)' must be a pair of integers, got \(values[key].map(String.init(describing:)) ?? "nothing")")
        }
        return (value[0], value[1])
    }

    /// `count` integers, or (nil) at least one.
    func ints(_ key: String, count: Int? = nil) throws -> [Int] {
        guard let value = values[key]?.intsValue, count.map({ value.count == $0 }) ?? !value.isEmpty else {
            throw LayerProblem("attribute '\(key)' must be \(count.map(String.init) ?? "one or more") integers, got \(values[key].map(String.init(describing:)) ?? "nothing")")
        }
        return value
    }

    /// A number or a list of them, in float32 as Keras casts them.
    func floats(_ key: String) throws -> [Float] {
        guard let value = values[key]?.doublesValue, !value.isEmpty else {
            throw LayerProblem("attribute '\(key)' must be a number or a list of numbers, got \(values[key].map(String.init(describing:)) ?? "nothing")")
        }
        return value.map(Float.init)
    }

    func int(_ key: String) throws -> Int {
        guard let value = values[key]?.intValue else {
            throw LayerProblem("attribute '\(key)' must be an integer, got \(values[key].map(String.init(describing:)) ?? "nothing")")
        }
        return value
    }

    func int(_ key: String, default fallback: Int) -> Int { values[key]?.intValue ?? fallback }
    func bool(_ key: String, default fallback: Bool) -> Bool { values[key]?.boolValue ?? fallback }
    func double(_ key: String) -> Double? { values[key]?.doubleValue }

    func padding() throws -> Padding {
        guard let name = values["padding"]?.stringValue, let padding = Padding(rawValue: name) else {
            throw LayerProblem("attribute 'padding' must be 'same' or 'valid', got \(values["padding"].map(String.init(describing:)) ?? "nothing")")
        }
        return padding
    }
}

import Tensor

/// One executable step, built from one Keras layer or (in the fused mode) a chain of them, holding the
/// Tensor-module kernel with its weights already packed.
enum LayerKernel {
    /// A graph input: its value is the tensor the caller passes.
    case input
    case conv2d(Conv2D)
    /// A pointwise convolution and the average pool after it, pooled first (DenseNet's transitions).
    case pooledConv2d(PooledPointwiseConvolution)
    case depthwiseConv2d(DepthwiseConv2D)
    case separableConv2d(SeparableConv2D)
    /// MobileNetV2's expansion, depthwise convolution and projection in one pass.
    case invertedResidual(InvertedResidual)
    case dense(Dense)
    /// A BatchNormalization at inference, and the element-wise activation the fused mode joins to it.
    case batchNorm(BatchNorm, activation: Activation)
    case layerNorm(LayerNorm)
    /// Keras' `Normalization` and `Rescaling`.
    case channelTransform(ChannelTransform)
    case pool(Pool2D)
    case globalPool(GlobalPool2D)
    case zeroPad(ZeroPadding2D)
    /// Keras' `Cropping2D` and `CenterCrop`.
    case crop(Cropping2D)
    case upSampling(UpSampling2D)
    case resizing(Resizing)
    case permute(Permute)
    case merge(Merge)
    case concatenate(Concatenate)
    case activation(Activation)
    case relu(KerasReLU)
    /// Keras `Flatten`: a reshaped view of the input, no copy.
    case flatten
    /// Keras `Reshape` to the target shape (without the batch axis, a -1 inferred): a view, no copy.
    case reshape([Int])
    /// `Dropout` at inference: the input itself.
    case identity

    /// Whether the step's value is a view of its single input rather than memory of its own.
    var isView: Bool {
        switch self {
        case .flatten, .reshape, .identity: return true
        default: return false
        }
    }

    /// The view a view step produces from its input.
    func view(of input: Tensor) throws -> Tensor {
        switch self {
        case .flatten: return input.rank == 2 ? input : try input.flattened()
        case .reshape(let target):
            let batch = input.shape.first ?? 0, known = target.filter { $0 != -1 }.reduce(1, *)
            return try input.reshaped([batch] + target.map { $0 == -1 && known > 0 && batch > 0 ? input.count / batch / known : $0 })
        default: return input
        }
    }

    func outputShape(for inputs: [Tensor]) throws -> [Int] {
        switch self {
        case .input, .flatten, .reshape, .identity:
            return try view(of: inputs[0]).shape
        case .conv2d(let convolution): return try convolution.outputShape(for: inputs[0])
        case .pooledConv2d(let convolution): return try convolution.outputShape(for: inputs[0])
        case .depthwiseConv2d(let convolution): return try convolution.outputShape(for: inputs[0])
        case .separableConv2d(let convolution): return try convolution.outputShape(for: inputs[0])
        case .invertedResidual(let block): return try block.outputShape(for: inputs[0])
        case .dense(let dense): return try dense.outputShape(for: inputs[0])
        case .batchNorm, .layerNorm, .channelTransform, .activation, .relu: return inputs[0].shape
        case .pool(let pool): return try pool.outputShape(for: inputs[0])
        case .globalPool(let pool): return try pool.outputShape(for: inputs[0])
        case .zeroPad(let pad): return try pad.outputShape(for: inputs[0])
        case .crop(let crop): return try crop.outputShape(for: inputs[0])
        case .upSampling(let upSampling): return try upSampling.outputShape(for: inputs[0])
        case .resizing(let resizing): return try resizing.outputShape(for: inputs[0])
        case .permute(let permute): return try permute.outputShape(for: inputs[0])
        case .merge(let merge): return try merge.outputShape(for: inputs)
        case .concatenate(let concatenate): return try concatenate.outputShape(for: inputs)
        }
    }

    /// Computes the step into `output` (shaped by `outputShape`). `residual` only for fused convolutions with a GEMM.
    func forward(_ inputs: [Tensor], residual: Tensor?, into output: Tensor, workspace: Workspace) throws {
        switch self {
        case .input, .flatten, .reshape, .identity:
            try output.copy(from: view(of: inputs[0]))
        case .conv2d(let convolution):
            // A second input is the gate of a squeeze-and-excitation multiply folded into the step (StepPlan.gate).
            try convolution.forward(inputs[0], into: output, residual: residual, inputScale: inputs.count > 1 ? inputs[1] : nil,
                                    workspace: workspace)
        case .pooledConv2d(let convolution): try convolution.forward(inputs[0], into: output, workspace: workspace)
        case .depthwiseConv2d(let convolution): try convolution.forward(inputs[0], into: output)
        case .separableConv2d(let convolution):
            try convolution.forward(inputs[0], into: output, residual: residual, workspace: workspace)
        case .invertedResidual(let block): try block.forward(inputs[0], into: output, residual: residual, workspace: workspace)
        case .dense(let dense): try dense.forward(inputs[0], into: output, workspace: workspace)
        case .batchNorm(let norm, let activation): try norm.forward(inputs[0], into: output, activation: activation)
        case .layerNorm(let norm): try norm.forward(inputs[0], into: output)
        case .channelTransform(let transform): try transform.forward(inputs[0], into: output)
        case .pool(let pool): try pool.forward(inputs[0], into: output)
        case .globalPool(let pool): try pool.forward(inputs[0], into: output)
        case .zeroPad(let pad): try pad.forward(inputs[0], into: output)
        case .crop(let crop): try crop.forward(inputs[0], into: output)
        case .upSampling(let upSampling): try upSampling.forward(inputs[0], into: output)
        case .resizing(let resizing): try resizing.forward(inputs[0], into: output)
        case .permute(let permute): try permute.forward(inputs[0], into: output)
        case .merge(let merge): try merge.forward(inputs, into: output)
        case .concatenate(let concatenate): try concatenate.forward(inputs, into: output)
        case .activation(let activation): try activation.forward(inputs[0], into: output)
        case .relu(let relu): try relu.forward(inputs[0], into: output)
        }
    }
}

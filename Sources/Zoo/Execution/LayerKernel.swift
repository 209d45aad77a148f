import Tensor

/// One executable step, built from one Keras layer or (in the fused mode) a chain of them, holding the
/// Tensor-module kernel with its weights already packed.
enum LayerKernel {
    /// A graph input: its value is the tensor the caller passes.
    case input
    /// `symmetricPadding` is the injected fault (`EngineFault.symmetricPadding`): then the convolution is a
    /// 'valid' one run on an evenly padded copy of its input.
    case conv2d(Conv2D, symmetricPadding: Bool)
    case dense(Dense)
    case batchNorm(BatchNorm)
    case pool(Pool2D)
    case globalPool(GlobalPool2D)
    case zeroPad(ZeroPadding2D)
    case merge(Merge)
    case concatenate(Concatenate)
    case activation(Activation)
    case relu(KerasReLU)
    /// Keras `Flatten`: a reshaped view of the input, no copy.
    case flatten
    /// `Dropout` at inference: the input itself.
    case identity

    /// Whether the step's value is a view of its single input rather than memory of its own.
    var isView: Bool {
        switch self {
        case .flatten, .identity: return true
        default: return false
        }
    }

    /// The view a view step produces from its input.
    func view(of input: Tensor) throws -> Tensor {
        switch self {
        case .flatten: return input.rank == 2 ? input : try input.flattened()
        default: return input
        }
    }

    func outputShape(for inputs: [Tensor]) throws -> [Int] {
        switch self {
        case .input, .flatten, .identity:
            return try view(of: inputs[0]).shape
        case .conv2d(let convolution, let symmetricPadding):
            guard symmetricPadding else { return try convolution.outputShape(for: inputs[0]) }
            // The shape TensorFlow's 'same' gives: the fault moves pixels, not the output size.
            let shape = inputs[0].shape
            guard shape.count == 4 else { return try convolution.outputShape(for: inputs[0]) }
            return [shape[0], (shape[1] + convolution.strides.0 - 1) / convolution.strides.0,
                    (shape[2] + convolution.strides.1 - 1) / convolution.strides.1, convolution.outputChannels]
        case .dense(let dense): return try dense.outputShape(for: inputs[0])
        case .batchNorm, .activation, .relu: return inputs[0].shape
        case .pool(let pool): return try pool.outputShape(for: inputs[0])
        case .globalPool(let pool): return try pool.outputShape(for: inputs[0])
        case .zeroPad(let pad): return try pad.outputShape(for: inputs[0])
        case .merge(let merge): return try merge.outputShape(for: inputs)
        case .concatenate(let concatenate): return try concatenate.outputShape(for: inputs)
        }
    }

    /// Computes the step into `output` (shaped by `outputShape`). `residual` only for fused convolutions.
    func forward(_ inputs: [Tensor], residual: Tensor?, into output: Tensor, workspace: Workspace) throws {
        switch self {
        case .input, .flatten, .identity:
            try output.copy(from: view(of: inputs[0]))
        case .conv2d(let convolution, let symmetricPadding):
            let input = symmetricPadding ? try LayerKernel.padEvenly(inputs[0], for: convolution) : inputs[0]
            try convolution.forward(input, into: output, residual: residual, workspace: workspace)
        case .dense(let dense): try dense.forward(inputs[0], into: output, workspace: workspace)
        case .batchNorm(let norm): try norm.forward(inputs[0], into: output)
        case .pool(let pool): try pool.forward(inputs[0], into: output)
        case .globalPool(let pool): try pool.forward(inputs[0], into: output)
        case .zeroPad(let pad): try pad.forward(inputs[0], into: output)
        case .merge(let merge): try merge.forward(inputs, into: output)
        case .concatenate(let concatenate): try concatenate.forward(inputs, into: output)
        case .activation(let activation): try activation.forward(inputs[0], into: output)
        case .relu(let relu): try relu.forward(inputs[0], into: output)
        }
    }

    /// The fault's input: along each strided axis TensorFlow's total 'same' padding split `ceil(total / 2)`
    /// on both sides; a stride-1 axis keeps TensorFlow's split (even padding there would change the size).
    private static func padEvenly(_ input: Tensor, for convolution: Conv2D) throws -> Tensor {
        guard input.rank == 4 else { return input }
        func split(_ size: Int, _ kernel: Int, _ stride: Int, _ dilation: Int) -> (before: Int, after: Int) {
            let output = (size + stride - 1) / stride
            let total = max((output - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
            return stride > 1 ? ((total + 1) / 2, (total + 1) / 2) : (total / 2, total - total / 2)
        }
        let rows = split(input.shape[1], convolution.kernelHeight, convolution.strides.0, convolution.dilation.0)
        let columns = split(input.shape[2], convolution.kernelWidth, convolution.strides.1, convolution.dilation.1)
        return try ZeroPadding2D(top: rows.before, bottom: rows.after, left: columns.before, right: columns.after)(input)
    }
}

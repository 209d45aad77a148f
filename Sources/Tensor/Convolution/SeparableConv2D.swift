/// Keras `SeparableConv2D`, as `tf.nn.separable_conv2d` computes it: a depthwise convolution (each input channel with
/// `depth_multiplier` filters of its own, the layer's strides, padding and dilation, no bias), then a 1x1 convolution
/// across its channels with the layer's bias and activation. Xception is built of it.
///
/// The two stages are the engine's own `DepthwiseConv2D` and `Conv2D`: the pointwise stage is a GEMM with every epilogue
/// a convolution has (a folded BatchNormalization, a residual `add`, the activation). With one filter per channel the
/// GEMM computes the depthwise stage's pixels itself, a row block at a time (`DepthwiseRowsOperand`).
///
/// The fused mode also makes one of MobileNetV2's `depthwise -> bn -> relu6 -> 1x1 conv -> bn` chains: there the
/// depthwise stage has a bias (its folded BatchNormalization) and an element-wise activation, which Keras'
/// SeparableConv2D does not have; such a step runs forward only.
public struct SeparableConv2D: Sendable {
    /// The first stage: linear, without bias.
    public let depthwise: DepthwiseConv2D
    /// The second stage: 1x1, stride 1, with the layer's bias and activation.
    public let pointwise: Conv2D

    public var activation: Activation { pointwise.activation }
    public var outputChannels: Int { pointwise.outputChannels }

    /// Whether the depthwise stage is Keras' SeparableConv2D's: linear and without bias. Only such a stage has a backward pass.
    public var hasKerasDepthwiseStage: Bool { depthwise.bias == nil && depthwise.activation == .linear }

    public init(depthwise: DepthwiseConv2D, pointwise: Conv2D) throws {
        guard depthwise.activation.isElementwise else {
            throw TensorError.invalidArgument(operation: "separable_conv2d", detail: "the depthwise stage's activation must be element-wise")
        }
        guard pointwise.kernelHeight == 1, pointwise.kernelWidth == 1, pointwise.strides == (1, 1), pointwise.groups == 1,
              pointwise.zeroPadding == .none, pointwise.preActivation == nil, pointwise.algorithm == .gemm,
              pointwise.inputChannels == depthwise.outputChannels else {
            throw TensorError.shapeMismatch(operation: "separable_conv2d", detail: "the pointwise stage must be an ungrouped 1x1 stride-1 convolution by GEMM "
                                            + "of the depthwise stage's \(depthwise.outputChannels) channels, got \(pointwise.kernelHeight)x"
                                            + "\(pointwise.kernelWidth) over \(pointwise.inputChannels)")
        }
        self.depthwise = depthwise
        self.pointwise = pointwise
    }

    /// `(N, outH, outW, filters)` for an NHWC input shape.
    public func outputShape(for input: Tensor) throws -> [Int] {
        try depthwise.outputShape(for: input).dropLast() + [outputChannels]
    }

    /// Computes the layer into `output` (shaped by `outputShape(for:)`); `residual` as `Conv2D.forward`. The depthwise
    /// stage's values live in the workspace, kept from call to call: mapped fresh at every call, Xception's took
    /// 11 MB of new pages per layer at 299x299.
    public func forward(_ input: Tensor, into output: Tensor, residual: Tensor? = nil, workspace: Workspace) throws {
        guard depthwise.depthMultiplier == 1, case .gemm(let matrices) = pointwise.kernel.weights else {
            // Several filters per channel: the depthwise stage runs whole first.
            let middle = try depthwiseStage(input, workspace: workspace)
            return try pointwise.forward(middle, into: output, residual: residual, workspace: workspace)
        }
        let pixels = try DepthwiseRowsOperand(depthwise, input: input)
        try ImageShape(batch: pixels.image.batch, height: pixels.geometry.rows.output, width: pixels.geometry.columns.output, channels: outputChannels)
            .requireOutput(output, residual: residual, reading: input, operation: "separable_conv2d")
        withExtendedLifetime(input.storage) {
            pointwise.multiplyPixels(pixels, matrices[0], into: output, residual: residual, workspace: workspace)
        }
    }

    private func depthwiseStage(_ input: Tensor, workspace: Workspace) throws -> Tensor {
        let shape = try depthwise.outputShape(for: input)
        let middle = try Tensor(shape: shape, storage: workspace.storage(for: .separableMiddle, count: shape.reduce(1, *)), offset: 0)
        try depthwise.forward(input, into: middle)
        return middle
    }

    /// The backward pass, given dz, the gradient of the pre-activation output: each stage's, in reverse. The depthwise
    /// stage's output, which the pointwise kernel gradient reads, is computed again rather than kept from the forward
    /// pass (it costs a fraction of the pointwise GEMM). Each gradient is optional and overwritten; the kernels are
    /// Keras' `(kh, kw, in, M)` and `(1, 1, in·M, filters)`.
    public func backward(input: Tensor, outputGradient: Tensor, depthwiseKernel: Tensor, pointwiseKernel: Tensor,
                         depthwiseKernelGradient: Tensor?, pointwiseKernelGradient: Tensor?, biasGradient: Tensor?,
                         inputGradient: Tensor?, workspace: Workspace) throws {
        guard hasKerasDepthwiseStage else {
            throw TensorError.invalidArgument(operation: "separable_conv2d", detail: "a depthwise stage with a bias or an activation (a fused "
                                              + "step) runs forward only")
        }
        let middle = try depthwiseStage(input, workspace: workspace)
        if let pointwiseKernelGradient {
            try pointwise.weightGradient(input: middle, outputGradient: outputGradient, kernelGradient: pointwiseKernelGradient,
                                         biasGradient: biasGradient, workspace: workspace)
        }
        guard depthwiseKernelGradient != nil || inputGradient != nil else { return }
        let middleGradient = try Tensor(shape: middle.shape)
        try pointwise.inputGradient(outputGradient, kernel: pointwiseKernel, into: middleGradient, workspace: workspace)
        if let depthwiseKernelGradient {
            try depthwise.weightGradient(input: input, outputGradient: middleGradient, kernelGradient: depthwiseKernelGradient, biasGradient: nil)
        }
        if let inputGradient {
            try depthwise.inputGradient(middleGradient, kernel: depthwiseKernel, into: inputGradient)
        }
    }
}

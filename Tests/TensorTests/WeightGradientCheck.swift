import Testing
import Tensor

/// The two backward calls Conv2D, DepthwiseConv2D and Dense share (the training contract), so one check serves all.
protocol WeightedLayer {
    func inputGradient(_ outputGradient: Tensor, kernel: Tensor, into inputGradient: Tensor, workspace: Workspace) throws
    func weightGradient(input: Tensor, outputGradient: Tensor, kernelGradient: Tensor, biasGradient: Tensor?,
                        workspace: Workspace) throws
}

extension Conv2D: WeightedLayer {}
extension Dense: WeightedLayer {}

/// The depthwise convolution needs no GEMM scratch memory.
extension DepthwiseConv2D: WeightedLayer {
    func inputGradient(_ outputGradient: Tensor, kernel: Tensor, into inputGradient: Tensor, workspace: Workspace) throws {
        try self.inputGradient(outputGradient, kernel: kernel, into: inputGradient)
    }

    func weightGradient(input: Tensor, outputGradient: Tensor, kernelGradient: Tensor, biasGradient: Tensor?,
                        workspace: Workspace) throws {
        try weightGradient(input: input, outputGradient: outputGradient, kernelGradient: kernelGradient, biasGradient: biasGradient)
    }
}

/// Expects `layer`'s input, kernel and bias gradients on a conv2d, depthwise_conv2d or dense case of layer_gradients.py
/// to match TensorFlow's, and prints the measured normalised errors.
func expectWeightGradientsMatch(_ layer: some WeightedLayer, _ testCase: LayerGradientCase, workspace: Workspace,
                                sourceLocation: SourceLocation = #_sourceLocation) throws {
    let x = try testCase.tensor("x0"), g = try testCase.tensor("g"), kernel = try testCase.tensor("kernel")
    let dx = try Tensor(shape: x.shape), dkernel = try Tensor(shape: kernel.shape)
    let dbias = try Tensor(shape: testCase.tensor("bias").shape)
    try layer.inputGradient(g, kernel: kernel, into: dx, workspace: workspace)
    try layer.weightGradient(input: x, outputGradient: g, kernelGradient: dkernel, biasGradient: dbias, workspace: workspace)
    let errors = try [("dx", dx, "dx0"), ("dkernel", dkernel, "dkernel"), ("dbias", dbias, "dbias")].map { label, actual, key in
        "\(label) \(expectMatches(actual, try testCase.tensor(key), "\(testCase) \(label)", sourceLocation: sourceLocation))"
    }
    print("\(testCase.kind) gradients \(testCase): \(errors.joined(separator: ", "))")
}

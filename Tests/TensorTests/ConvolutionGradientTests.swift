import Testing
import Tensor

/// Conv2D's input, kernel and bias gradients against TensorFlow's GradientTape (layer_gradients.py).
@Suite(.serialized) struct ConvolutionGradientTests {
    private func layer(_ testCase: LayerGradientCase) throws -> Conv2D {
        try Conv2D(kernel: testCase.tensor("kernel"), bias: testCase.tensor("bias"),
                   strides: testCase.pair("strides"), padding: testCase.padding(), dilation: testCase.pair("dilation"))
    }

    @Test(arguments: kernelPaths) func matchesTensorFlowGradients(path: KernelPath) throws {
        try withKernelPath(path) {
            let workspace = Workspace()
            for testCase in try LayerGradientReference.cases("conv2d") {
                try expectWeightGradientsMatch(layer(testCase), testCase, workspace: workspace)
            }
        }
    }

    @Test func singleWorkerMatchesTensorFlowGradients() throws {
        // One worker changes the GEMM schedule and the split of the weight gradient's packing.
        let testCase = try #require(LayerGradientReference.cases("conv2d").first { $0.name == "conv_k3_same_s2_odd" })
        let conv = try layer(testCase)
        let x = try testCase.tensor("x0"), g = try testCase.tensor("g"), kernel = try testCase.tensor("kernel")
        let dx = try Tensor(shape: x.shape), dkernel = try Tensor(shape: kernel.shape)
        try withWorkers(1) {
            try conv.inputGradient(g, kernel: kernel, into: dx, workspace: Workspace())
            try conv.weightGradient(input: x, outputGradient: g, kernelGradient: dkernel, biasGradient: nil, workspace: Workspace())
        }
        try expectMatches(dx, testCase.tensor("dx0"), "\(testCase.name) dx")
        try expectMatches(dkernel, testCase.tensor("dkernel"), "\(testCase.name) dkernel")
    }

    @Test func rejectsMismatchedShapes() throws {
        let conv = try Conv2D(kernel: Tensor(shape: [3, 3, 4, 8]), bias: nil, strides: (2, 2), padding: .same)
        let workspace = Workspace()
        let kernel = try Tensor(shape: [3, 3, 4, 8])
        #expect(throws: TensorError.self) {
            try conv.inputGradient(Tensor(shape: [1, 4, 4, 8]), kernel: kernel, into: Tensor(shape: [1, 9, 9, 4]), workspace: workspace)
        }
        #expect(throws: TensorError.self) {
            try conv.weightGradient(input: Tensor(shape: [1, 9, 9, 4]), outputGradient: Tensor(shape: [1, 5, 5, 8]),
                                    kernelGradient: Tensor(shape: [3, 3, 8, 4]), biasGradient: nil, workspace: workspace)
        }
    }
}

import Testing
import Tensor

/// Conv2D's output and its input, kernel and bias gradients against TensorFlow's GradientTape (layer_gradients.py), grouped
/// convolutions (groups 2 to 8, 2 to 32 channels per group) among them.
@Suite(.serialized) struct ConvolutionGradientTests {
    private func layer(_ testCase: LayerGradientCase) throws -> Conv2D {
        try Conv2D(kernel: testCase.tensor("kernel"), bias: testCase.tensor("bias"), strides: testCase.pair("strides"),
                   padding: testCase.padding(), dilation: testCase.pair("dilation"), groups: Int(testCase.number("groups") ?? 1))
    }

    @Test(arguments: kernelPaths) func matchesTensorFlowGradients(path: KernelPath) throws {
        try withKernelPath(path) {
            let workspace = Workspace()
            let cases = try LayerGradientReference.cases("conv2d")
            #expect(cases.count(where: { $0.number("groups") != nil }) >= 7, "layer_gradients.py's grouped convolutions")
            for testCase in cases {
                let conv = try layer(testCase)
                let error = expectMatches(try conv(testCase.tensor("x0"), workspace: workspace), try testCase.tensor("y"), "\(path) \(testCase) y")
                print("conv2d forward \(path) \(testCase) (groups \(conv.groups)): normalised error \(error)")
                try expectWeightGradientsMatch(conv, testCase, workspace: workspace)
            }
        }
    }

    /// The 3x3 stride-1 cases again with the forward by Winograd, which takes the backward by Winograd too: 'same' on odd
    /// sizes (partial tiles), 'valid' (whose input gradient pads by 2), and a case whose kernel gradient spans two chunks.
    @Test(arguments: kernelPaths) func winogradMatchesTensorFlowGradients(path: KernelPath) throws {
        try withKernelPath(path) {
            let workspace = Workspace()
            let cases = try LayerGradientReference.cases("conv2d").filter {
                try $0.tensor("kernel").shape.prefix(2) == [3, 3] && $0.pair("strides") == (1, 1) && $0.pair("dilation") == (1, 1)
                    && $0.number("groups") == nil
            }
            #expect(Set(cases.map(\.name)) == ["conv_k3_same_s1", "conv_k3_valid", "conv_k3_same_s1_two_chunks"])
            for testCase in cases {
                let conv = try Conv2D(kernel: testCase.tensor("kernel"), bias: testCase.tensor("bias"), padding: testCase.padding(),
                                      algorithm: .winograd)
                try expectWeightGradientsMatch(conv, testCase, workspace: workspace)
            }
        }
    }

    /// A grouped convolution's output channels depend only on their own group's input channels: a change to one group's
    /// inputs leaves every other group's outputs exactly as they were.
    @Test func groupsStayApart() throws {
        let testCase = try #require(LayerGradientReference.cases("conv2d").first { $0.name == "conv_g4_k3_valid_s2" })
        let conv = try layer(testCase), x = try testCase.tensor("x0").copied()
        let before = try conv(x).toArray()
        let inputsPerGroup = conv.inputChannels / conv.groups, outputsPerGroup = conv.outputChannels / conv.groups
        for i in 0..<x.count where i % conv.inputChannels / inputsPerGroup == 1 { x.pointer[i] += 1 }
        let after = try conv(x).toArray()
        for (i, (old, new)) in zip(before, after).enumerated() {
            let group = i % conv.outputChannels / outputsPerGroup
            #expect((group == 1) == (old != new), "output \(i) of group \(group): \(old) -> \(new)")
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

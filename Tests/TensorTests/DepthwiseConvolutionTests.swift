import Testing
import Tensor

/// DepthwiseConv2D's output and its input, kernel and bias gradients against TensorFlow (layer_gradients.py): depth
/// multipliers 1 and 2, strides 1 and 2, 'same' (its asymmetric split included) and 'valid', dilation 2, odd sizes.
@Suite(.serialized) struct DepthwiseConvolutionTests {
    private func layer(_ testCase: LayerGradientCase) throws -> DepthwiseConv2D {
        try DepthwiseConv2D(kernel: testCase.tensor("kernel"), bias: testCase.tensor("bias"), strides: testCase.pair("strides"),
                            padding: testCase.padding(), dilation: testCase.pair("dilation"))
    }

    /// The forward pass with one filter per channel is a kernel of each instruction-set path.
    @Test(arguments: kernelPaths) func matchesTensorFlow(path: KernelPath) throws {
        try withKernelPath(path) {
            for testCase in try LayerGradientReference.cases("depthwise_conv2d") {
                let depthwise = try layer(testCase), multiplier = try testCase.requiredNumber("depth_multiplier")
                #expect(Float(depthwise.depthMultiplier) == multiplier, "\(testCase): depth multiplier")
                let error = expectMatches(try depthwise(testCase.tensor("x0")), try testCase.tensor("y"), "\(path) \(testCase) y")
                print("depthwise_conv2d forward \(path) \(testCase): normalised error \(error)")
                try expectWeightGradientsMatch(depthwise, testCase, workspace: Workspace())
            }
        }
    }

    /// The forward and input gradient split rows between workers and the kernel gradient sums fixed groups of rows
    /// in a fixed order, so one worker and several give the same bits.
    @Test func sameBitsOnAnyNumberOfWorkers() throws {
        let testCase = try #require(LayerGradientReference.cases("depthwise_conv2d").first { $0.name == "depthwise_k3_same_s2_odd" })
        let depthwise = try layer(testCase)
        let x = try testCase.tensor("x0"), g = try testCase.tensor("g"), kernel = try testCase.tensor("kernel")
        func run() throws -> [[Float]] {
            let dx = try Tensor(shape: x.shape), dkernel = try Tensor(shape: kernel.shape), dbias = try Tensor(shape: [depthwise.outputChannels])
            try depthwise.inputGradient(g, kernel: kernel, into: dx)
            try depthwise.weightGradient(input: x, outputGradient: g, kernelGradient: dkernel, biasGradient: dbias)
            return [try depthwise(x).toArray(), dx.toArray(), dkernel.toArray(), dbias.toArray()]
        }
        let several = try run()
        var one: [[Float]] = []
        try withWorkers(1) { one = try run() }
        #expect(one == several)
    }

    @Test func rejectsBadShapesAndAttributes() throws {
        let kernel = try Tensor(shape: [3, 3, 4, 2])
        #expect(throws: TensorError.self) { try DepthwiseConv2D(kernel: Tensor(shape: [3, 3, 4]), bias: nil) }
        #expect(throws: TensorError.self) { try DepthwiseConv2D(kernel: kernel, bias: Tensor(shape: [4])) }
        #expect(throws: TensorError.self) { try DepthwiseConv2D(kernel: kernel, bias: nil, strides: (2, 2), dilation: (2, 2)) }
        let depthwise = try DepthwiseConv2D(kernel: kernel, bias: nil, strides: (2, 2), padding: .same)
        #expect(throws: TensorError.self) { try depthwise(Tensor(shape: [1, 9, 9, 3])) }
        #expect(throws: TensorError.self) {
            try depthwise.inputGradient(Tensor(shape: [1, 5, 5, 4]), kernel: kernel, into: Tensor(shape: [1, 9, 9, 4]))
        }
        #expect(throws: TensorError.self) {
            try depthwise.weightGradient(input: Tensor(shape: [1, 9, 9, 4]), outputGradient: Tensor(shape: [1, 5, 5, 8]),
                                         kernelGradient: Tensor(shape: [3, 3, 8, 1]), biasGradient: nil)
        }
    }
}

import Foundation
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

    /// As a separable convolution's depthwise stage, with a bias and an activation (MobileNetV2's fused blocks): with one
    /// filter per channel the pointwise GEMM computes the depthwise pixels itself, a row block at a time, and row blocks
    /// then start inside image rows and cross from one image to the next (a batch of 40 copies); with several the stage
    /// runs whole first. A pointwise kernel that copies channel c to outputs c, c + C, ... gives TensorFlow's depthwise
    /// output, activated: relu6 in the row kernel's registers, tanh after it; on one worker and on several.
    @Test(arguments: kernelPaths) func computesTheRowsOfASeparableConvolutionsGEMM(path: KernelPath) throws {
        try withKernelPath(path) {
            for (index, testCase) in try LayerGradientReference.cases("depthwise_conv2d").enumerated() {
                let (activation, function): (Activation, (Float) -> Float) = index % 2 == 0 ? (.relu6, { min(max($0, 0), 6) }) : (.tanh, { tanh($0) })
                let depthwise = try DepthwiseConv2D(kernel: testCase.tensor("kernel"), bias: testCase.tensor("bias"), strides: testCase.pair("strides"),
                                                    padding: testCase.padding(), dilation: testCase.pair("dilation"), activation: activation)
                let channels = depthwise.outputChannels, outputs = 2 * channels + 3
                var copying = [Float](repeating: 0, count: channels * outputs)
                for output in 0..<outputs { copying[output % channels * outputs + output] = 1 }
                let separable = try SeparableConv2D(depthwise: depthwise,
                                                    pointwise: Conv2D(kernel: Tensor(shape: [1, 1, channels, outputs], values: copying), bias: nil))
                let x = try testCase.tensor("x0"), y = try testCase.tensor("y")
                let stage = y.toArray(), pixels = stage.count / channels
                let expected = (0..<pixels * outputs).map { function(stage[$0 / outputs * channels + $0 % outputs % channels]) }
                for copies in [1, 40] {
                    func batch(_ values: [Float], channels: Int) throws -> Tensor {
                        try Tensor(shape: [copies * x.shape[0]] + y.shape.dropFirst().dropLast() + [channels],
                                   values: Array((0..<copies).map { _ in values }.joined()))
                    }
                    let input = try Tensor(shape: [copies * x.shape[0]] + x.shape.dropFirst(), values: Array((0..<copies).map { _ in x.toArray() }.joined()))
                    for workers in [1, 0] {
                        let output = try Tensor(shape: separable.outputShape(for: input))
                        try withWorkers(workers) { try separable.forward(input, into: output, workspace: Workspace()) }
                        expectMatches(output, try batch(expected, channels: outputs), "\(path) \(testCase) \(activation), \(copies) copies, workers \(workers)")
                    }
                }
                // A stage with a bias or an activation is a fused step's, which runs forward only.
                #expect(throws: TensorError.self) {
                    try separable.backward(input: x, outputGradient: Tensor(shape: separable.outputShape(for: x)), depthwiseKernel: depthwise.kernel,
                                           pointwiseKernel: Tensor(shape: [1, 1, channels, outputs]), depthwiseKernelGradient: nil,
                                           pointwiseKernelGradient: nil, biasGradient: nil, inputGradient: nil, workspace: Workspace())
                }
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

import Testing
import Tensor

@Suite struct NormalizationTests {
    private func batchNorm(_ testCase: KernelCase) throws -> BatchNorm {
        try BatchNorm(gamma: testCase.inputs["gamma"], beta: testCase.inputs["beta"],
                      movingMean: testCase.input("moving_mean"), movingVariance: testCase.input("moving_variance"),
                      epsilon: Float(testCase.requiredNumber("epsilon")))
    }

    @Test func matchesKerasBatchNormalization() throws {
        for testCase in try KernelGoldens.cases("batch_norm") {
            expectMatches(try batchNorm(testCase)(testCase.input("x")), testCase.expected, testCase.name)
        }
    }

    /// The fused inference mode folds a BN into the convolution before it: the kernel scaled per output channel
    /// as it is packed (`outputScale`), the bias `foldedBias`. Both routes must match TensorFlow's conv then BN.
    @Test func foldedAndUnfoldedMatchKerasConvThenBatchNorm() throws {
        let testCase = try KernelGoldens.cases("conv_batch_norm")[0]
        let padding = try testCase.padding()
        let kernel = try testCase.input("kernel"), bias = try testCase.input("bias")
        let conv = try Conv2D(kernel: kernel, bias: bias, strides: testCase.pair("strides"), padding: padding)
        let bn = try batchNorm(testCase)
        let x = try testCase.input("x")
        expectMatches(try bn(conv(x)), testCase.expected, "conv then BN")
        let foldedKernel = try kernel.withValues { try Conv2D.Kernel(hwio: $0, shape: kernel.shape, outputScale: bn.scale, algorithm: .gemm) }
        let folded = try Conv2D(kernel: foldedKernel, bias: bn.foldedBias(bias), strides: testCase.pair("strides"), padding: padding)
        expectMatches(try folded(x), testCase.expected, "BN folded into the conv")
    }

    /// A pointwise convolution's pre-activation (`Conv2D.PreActivation`: DenseNet's BatchNormalization and ReLU before
    /// each 1x1 convolution) normalises its input as Keras' BatchNormalization does. The kernel copies input channel
    /// `j % C` to output `j`, a product by one and sums of zeros, so the outputs are the normalised values themselves.
    /// Its 64 outputs are two panels: on the case's own 126 pixels the GEMM splits them between the workers and the input
    /// is normalised up front; on 40 copies of it there are row blocks enough to normalise each in the GEMM's scratch.
    @Test func preActivatedPointwiseConvolutionNormalisesAsKeras() throws {
        for testCase in try KernelGoldens.cases("batch_norm") {
            let x = try testCase.input("x"), bn = try batchNorm(testCase)
            let channels = x.shape[3], outputs = 64, pixels = x.count / channels
            var kernel = [Float](repeating: 0, count: channels * outputs)
            for output in 0..<outputs { kernel[output % channels * outputs + output] = 1 }
            let convolution = try Conv2D(kernel: Tensor(shape: [1, 1, channels, outputs], values: kernel), bias: nil,
                                         preActivation: Conv2D.PreActivation(norm: bn, activation: .relu))
            let normalised = testCase.expected.toArray(), input = x.toArray()
            let expected = (0..<pixels * outputs).map { max(normalised[$0 / outputs * channels + $0 % outputs % channels], 0) }
            for copies in [1, 40] {
                let batch = [copies * x.shape[0]] + x.shape.dropFirst()
                let output = try convolution(Tensor(shape: batch, values: Array((0..<copies).map { _ in input }.joined())))
                expectMatches(output, try Tensor(shape: Array(batch.dropLast()) + [outputs], values: Array((0..<copies).map { _ in expected }.joined())),
                              "\(testCase.name), \(copies) copies")
            }
        }
        let norm = try batchNorm(KernelGoldens.cases("batch_norm")[0])
        let preActivation = try Conv2D.PreActivation(norm: norm, activation: .relu)
        #expect(throws: TensorError.self) { try Conv2D.PreActivation(norm: norm, activation: .softmax) }
        #expect(throws: TensorError.self, "3x3") {
            try Conv2D(kernel: Tensor(shape: [3, 3, norm.channels, 8]), bias: nil, preActivation: preActivation)
        }
        #expect(throws: TensorError.self, "channels") {
            try Conv2D(kernel: Tensor(shape: [1, 1, norm.channels + 1, 8]), bias: nil, preActivation: preActivation)
        }
    }

    @Test func rejectsBadShapesWithErrors() throws {
        let vector = try Tensor(shape: [3])
        #expect(throws: TensorError.self) { try BatchNorm(gamma: Tensor(shape: [4]), beta: nil, movingMean: vector, movingVariance: vector, epsilon: 1e-3) }
        let bn = try BatchNorm(gamma: nil, beta: nil, movingMean: vector, movingVariance: vector, epsilon: 1e-3)
        #expect(throws: TensorError.self) { try bn(Tensor(shape: [1, 2, 2, 4])) }
        #expect(throws: TensorError.self) { try bn.foldedBias(Tensor(shape: [4])) }
    }
}

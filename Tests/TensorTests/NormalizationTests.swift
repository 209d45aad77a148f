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

    @Test func rejectsBadShapesWithErrors() throws {
        let vector = try Tensor(shape: [3])
        #expect(throws: TensorError.self) { try BatchNorm(gamma: Tensor(shape: [4]), beta: nil, movingMean: vector, movingVariance: vector, epsilon: 1e-3) }
        let bn = try BatchNorm(gamma: nil, beta: nil, movingMean: vector, movingVariance: vector, epsilon: 1e-3)
        #expect(throws: TensorError.self) { try bn(Tensor(shape: [1, 2, 2, 4])) }
        #expect(throws: TensorError.self) { try bn.foldedBias(Tensor(shape: [4])) }
    }
}

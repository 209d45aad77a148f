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

    @Test func foldedAndUnfoldedMatchKerasConvThenBatchNorm() throws {
        let testCase = try KernelGoldens.cases("conv_batch_norm")[0]
        let conv = try Conv2D(kernel: testCase.input("kernel"), bias: testCase.input("bias"), strides: testCase.integers("strides"),
                              padding: testCase.padding())
        let bn = try batchNorm(testCase)
        let x = try testCase.input("x")
        expectMatches(try bn(conv(x)), testCase.expected, "conv then BN")
        expectMatches(try bn.folded(into: conv)(x), testCase.expected, "BN folded into conv")
    }

    @Test func rejectsBadShapesWithErrors() throws {
        let vector = try Tensor(shape: [3])
        #expect(throws: TensorError.self) { try BatchNorm(gamma: Tensor(shape: [4]), beta: nil, movingMean: vector, movingVariance: vector, epsilon: 1e-3) }
        let bn = try BatchNorm(gamma: nil, beta: nil, movingMean: vector, movingVariance: vector, epsilon: 1e-3)
        #expect(throws: TensorError.self) { try bn(Tensor(shape: [1, 2, 2, 4])) }
        #expect(throws: TensorError.self) { try bn.folded(into: Conv2D(kernel: Tensor(shape: [1, 1, 2, 5]), bias: nil)) }
        #expect(throws: TensorError.self) { try bn.folded(into: Conv2D(kernel: Tensor(shape: [1, 1, 2, 3]), bias: nil, activation: .relu)) }
    }
}

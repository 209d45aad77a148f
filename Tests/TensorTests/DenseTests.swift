import Testing
import Tensor

@Suite struct DenseTests {
    @Test(arguments: kernelPaths) func matchesKerasDense(path: KernelPath) throws {
        try withKernelPath(path) {
            let workspace = Workspace()
            for testCase in try KernelGoldens.cases("dense") {
                let dense = try Dense(kernel: testCase.input("kernel"), bias: testCase.inputs["bias"], activation: testCase.activation())
                expectMatches(try dense(testCase.input("x"), workspace: workspace), testCase.expected, testCase.name)
            }
        }
    }

    @Test func packedWeightsUnpackToTheKerasKernel() throws {
        let testCase = try #require(KernelGoldens.cases("dense").first { $0.name == "dense_softmax_m1_n1000" })
        let kernel = try testCase.input("kernel")
        #expect(try PackedMatrix(kernel).unpacked().toArray() == kernel.toArray())
    }

    @Test func rejectsBadShapesWithErrors() throws {
        let dense = try Dense(kernel: Tensor(shape: [4, 3]), bias: nil)
        #expect(throws: TensorError.self) { try dense(Tensor(shape: [2, 5])) }
        #expect(throws: TensorError.self) { try dense.forward(Tensor(shape: [2, 4]), into: Tensor(shape: [2, 4]), workspace: Workspace()) }
        #expect(throws: TensorError.self) { try Dense(kernel: Tensor(shape: [4, 3]), bias: Tensor(shape: [4])) }
        #expect(throws: TensorError.self) { try Dense(kernel: Tensor(shape: [4]), bias: nil) }
    }
}

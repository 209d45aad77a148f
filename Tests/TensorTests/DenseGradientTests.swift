import Testing
import Tensor

/// Dense's input, kernel and bias gradients against TensorFlow's GradientTape (kernel_gradients.py).
struct DenseGradientTests {
    @Test func matchesTensorFlowGradients() throws {
        let workspace = Workspace()
        for testCase in try GradientGoldens.cases("dense") {
            let kernel = try testCase.tensor("kernel"), x = try testCase.tensor("x"), g = try testCase.tensor("g")
            let dense = try Dense(kernel: kernel, bias: testCase.tensor("bias"))
            let dx = try Tensor(shape: x.shape), dkernel = try Tensor(shape: kernel.shape), dbias = try Tensor(shape: [dense.units])
            try dense.inputGradient(g, kernel: kernel, into: dx, workspace: workspace)
            try dense.weightGradient(input: x, outputGradient: g, kernelGradient: dkernel, biasGradient: dbias, workspace: workspace)
            try expectMatches(dx, testCase.tensor("dx"), "\(testCase.name) dx")
            try expectMatches(dkernel, testCase.tensor("dkernel"), "\(testCase.name) dkernel")
            try expectMatches(dbias, testCase.tensor("dbias"), "\(testCase.name) dbias")
            try print("dense gradients \(testCase.name): dx \(normalisedError(dx, testCase.tensor("dx"))), "
                      + "dkernel \(normalisedError(dkernel, testCase.tensor("dkernel"))), dbias \(normalisedError(dbias, testCase.tensor("dbias")))")
        }
    }

    @Test func rejectsMismatchedShapes() throws {
        let dense = try Dense(kernel: Tensor(shape: [6, 4]), bias: nil)
        #expect(throws: TensorError.self) {
            try dense.inputGradient(Tensor(shape: [2, 4]), kernel: Tensor(shape: [4, 6]), into: Tensor(shape: [2, 6]), workspace: Workspace())
        }
        #expect(throws: TensorError.self) {
            try dense.weightGradient(input: Tensor(shape: [2, 6]), outputGradient: Tensor(shape: [3, 4]),
                                     kernelGradient: Tensor(shape: [6, 4]), biasGradient: nil, workspace: Workspace())
        }
    }
}

import Testing
import Tensor

/// Dense's input, kernel and bias gradients against TensorFlow's GradientTape (layer_gradients.py).
struct DenseGradientTests {
    @Test(arguments: kernelPaths) func matchesTensorFlowGradients(path: KernelPath) throws {
        try withKernelPath(path) {
            let workspace = Workspace()
            for testCase in try LayerGradientReference.cases("dense") {
                let dense = try Dense(kernel: testCase.tensor("kernel"), bias: testCase.tensor("bias"))
                try expectWeightGradientsMatch(dense, testCase, workspace: workspace)
            }
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

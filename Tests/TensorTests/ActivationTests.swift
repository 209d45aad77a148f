import Testing
import Tensor

@Suite struct ActivationTests {
    /// Sigmoid and silu are kernels of each instruction-set path (a vector exponential).
    @Test(arguments: kernelPaths) func matchesKerasActivations(path: KernelPath) throws {
        try withKernelPath(path) {
            for testCase in try KernelGoldens.cases("activation") {
                let x = try testCase.input("x")
                let output = try Tensor(shape: x.shape)
                try testCase.activation().forward(x, into: output)
                expectMatches(output, testCase.expected, "\(path) \(testCase.name)")
                // In place (output aliasing input) gives the same values.
                let copy = try Tensor(shape: x.shape, values: x.toArray())
                try testCase.activation().forward(copy, into: copy)
                expectMatches(copy, testCase.expected, "\(path) \(testCase.name) in place")
            }
        }
    }

    @Test func rejectsUnknownNames() {
        #expect(throws: TensorError.self) { try Activation(kerasName: "swishy") }
    }
}

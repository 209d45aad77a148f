import Dispatch
import Foundation
import Synchronization
import Testing
import Tensor

// Serialized: two tests set the process-wide worker count.
@Suite(.serialized) struct ConvolutionTests {
    private func convolution(_ testCase: KernelCase, activation override: Activation? = nil,
                             algorithm: Conv2D.Algorithm = .gemm) throws -> Conv2D {
        try Conv2D(kernel: testCase.input("kernel"), bias: testCase.inputs["bias"],
                   strides: testCase.pair("strides"), padding: testCase.padding(),
                   dilation: testCase.pair("dilation"), activation: override ?? testCase.activation(), algorithm: algorithm)
    }

    private func isWinogradEligible(_ testCase: KernelCase) throws -> Bool {
        let kernel = try testCase.input("kernel").shape
        let strides = try testCase.pair("strides"), dilation = try testCase.pair("dilation")
        return kernel[0] == 3 && kernel[1] == 3 && strides == (1, 1) && dilation == (1, 1)
    }

    @Test(arguments: kernelPaths) func winogradMatchesKerasConv2D(path: KernelPath) throws {
        try withKernelPath(path) {
            let workspace = Workspace()
            let cases = try KernelGoldens.cases("conv2d").filter(isWinogradEligible)
            #expect(cases.count >= 4)
            for testCase in cases {
                let conv = try convolution(testCase, algorithm: .winograd)
                let input = try testCase.input("x")
                expectMatches(try conv(input, workspace: workspace), testCase.expected, "\(testCase.name) (Winograd)")
                // One worker takes bigger tile blocks, which then span the images of a batch.
                let output = try Tensor(shape: conv.outputShape(for: input))
                try withWorkers(1) { try conv.forward(input, into: output, workspace: workspace) }
                expectMatches(output, testCase.expected, "\(testCase.name) (Winograd, one worker)")
            }
        }
    }

    @Test(arguments: kernelPaths) func matchesKerasConv2D(path: KernelPath) throws {
        try withKernelPath(path) {
            let workspace = Workspace()
            for testCase in try KernelGoldens.cases("conv2d") {
                let output = try convolution(testCase)(testCase.input("x"), workspace: workspace)
                expectMatches(output, testCase.expected, testCase.name)
            }
        }
    }

    @Test func singleThreadedMatchesKerasConv2D() throws {
        // The same kernels on one worker: the schedule (row blocks, column splits) changes with the count.
        let workspace = Workspace()
        let testCase = try #require(KernelGoldens.cases("conv2d").first { $0.name == "conv_same_s2_k3_197x211_c5" })
        let conv = try convolution(testCase)
        let input = try testCase.input("x")
        let output = try Tensor(shape: conv.outputShape(for: input))
        try withWorkers(1) { try conv.forward(input, into: output, workspace: workspace) }
        expectMatches(output, testCase.expected, testCase.name)
    }

    /// Forward passes from several threads at once, with more workers than cores: one caller at a time gets
    /// the worker pool and the others fall back to Dispatch, and every result still matches TensorFlow's.
    @Test func concurrentCallersAllMatchKerasConv2D() throws {
        let testCase = try #require(KernelGoldens.cases("conv2d").first { $0.name == "conv_same_s1_k3_c40_n37" })
        let input = try testCase.input("x"), expected = testCase.expected
        let convolutions = try [Conv2D.Algorithm.gemm, .winograd].map { try convolution(testCase, algorithm: $0) }
        let worst = Mutex<Float>(0)
        withWorkers(3) {
            DispatchQueue.concurrentPerform(iterations: 4) { caller in
                let workspace = Workspace()
                for pass in 0..<50 {
                    guard let output = try? convolutions[(caller + pass) % 2](input, workspace: workspace) else {
                        worst.withLock { $0 = .infinity }
                        return
                    }
                    let error = normalisedError(output, expected)
                    worst.withLock { $0 = max($0, error) }
                }
            }
        }
        #expect(worst.withLock { $0 } <= 1e-5)
    }

    /// Keras computes conv, then Add, then the activation; the reference conv output comes from TF, the activation's
    /// from its formula in double precision. Both algorithms, with each activation a GEMM tile finishes in registers
    /// (the Winograd output tile finishes ReLU only, the others after it).
    @Test(arguments: kernelPaths) func fusedResidualAddsBeforeActivation(path: KernelPath) throws {
        try withKernelPath(path) {
            let testCase = try #require(KernelGoldens.cases("conv2d").first { $0.name == "conv_same_s1_k3_c40_n37" })
            let reference = testCase.expected.toArray()
            let residual = try Tensor(shape: testCase.expected.shape, values: reference.indices.map { Float(($0 * 7919) % 13) / 6 - 1 })
            let activations: [(Activation, (Double) -> Double)] = [(.relu, { max($0, 0) }), (.relu6, { min(max($0, 0), 6) }),
                                                                   (.silu, { $0 / (1 + exp(-$0)) })]
            for (activation, formula) in activations {
                let expected = try Tensor(shape: testCase.expected.shape,
                                          values: zip(reference, residual.toArray()).map { Float(formula(Double($0 + $1))) })
                for algorithm in [Conv2D.Algorithm.gemm, .winograd] {
                    let output = try convolution(testCase, activation: activation, algorithm: algorithm)(testCase.input("x"), residual: residual)
                    expectMatches(output, expected, "conv + residual + \(activation) (\(algorithm))")
                }
            }
        }
    }

    /// A pointwise convolution's input scale is Keras' broadcasting Multiply of the map by a per-image gate (a
    /// squeeze-and-excitation `multiply` folded into the convolution): against TensorFlow's `merge_multiply_broadcast`
    /// output, a batch of 2 maps of 4x5 pixels by their own (1, 1, 3) gates, through a kernel that copies channel c to
    /// outputs c, c + 3, ... With 5 outputs the gate scales the kernel's rows image by image; with 23, more than the
    /// 20 pixels, the GEMM scales the input rows as it reads them; on one worker and on several.
    @Test func inputScaleMultipliesAsKerasMultiply() throws {
        let testCase = try #require(LayerGradientReference.cases("merge").first { $0.name == "merge_multiply_broadcast" })
        let map = try testCase.tensor("x0"), gate = try testCase.tensor("x1"), product = try testCase.tensor("y").toArray()
        let (pixels, channels) = (map.count / map.shape[3], map.shape[3])
        for outputs in [5, 23] {
            var copying = [Float](repeating: 0, count: channels * outputs)
            for output in 0..<outputs { copying[output % channels * outputs + output] = 1 }
            let convolution = try Conv2D(kernel: Tensor(shape: [1, 1, channels, outputs], values: copying), bias: nil)
            let scale = try Tensor(shape: [map.shape[0], 1, 1, channels], values: gate.toArray())
            let expected = try Tensor(shape: Array(map.shape.dropLast()) + [outputs],
                                      values: (0..<pixels * outputs).map { product[$0 / outputs * channels + $0 % outputs % channels] })
            for workers in [1, 0] {
                let output = try Tensor(shape: convolution.outputShape(for: map))
                try withWorkers(workers) { try convolution.forward(map, into: output, inputScale: scale, workspace: Workspace()) }
                expectMatches(output, expected, "\(outputs) outputs, workers \(workers)")
            }
        }
    }

    @Test func rejectsBadShapesWithErrors() throws {
        let kernel = try Tensor(shape: [3, 3, 4, 8])
        let conv = try Conv2D(kernel: kernel, bias: nil, padding: .valid)
        #expect(throws: TensorError.self) { try conv(Tensor(shape: [1, 5, 5, 3])) }      // wrong channel count
        #expect(throws: TensorError.self) { try conv(Tensor(shape: [1, 2, 2, 4])) }      // smaller than the window
        #expect(throws: TensorError.self) { try conv(Tensor(shape: [5, 5, 4])) }         // not NHWC
        #expect(throws: TensorError.self) { try conv.forward(Tensor(shape: [1, 5, 5, 4]), into: Tensor(shape: [1, 5, 5, 8]), workspace: Workspace()) }
        #expect(throws: TensorError.self) { try Conv2D(kernel: kernel, bias: nil, strides: (0, 1)) }
        // In place is refused: the GEMM writes output tiles while later tiles still read the input.
        let square = try Conv2D(kernel: Tensor(shape: [3, 3, 4, 4]), bias: nil, padding: .same)
        let image = try Tensor(shape: [1, 5, 5, 4])
        #expect(throws: TensorError.self) { try square.forward(image, into: image, workspace: Workspace()) }
        #expect(throws: TensorError.self) { try square.forward(Tensor(shape: [1, 5, 5, 4]), into: image, residual: image, workspace: Workspace()) }
        #expect(throws: TensorError.self) { try Conv2D(kernel: kernel, bias: Tensor(shape: [7])) }
        #expect(throws: TensorError.self) { try Conv2D(kernel: kernel, bias: nil, strides: (2, 2), dilation: (2, 2)) }
        #expect(throws: TensorError.self) { try Conv2D(kernel: kernel, bias: nil, strides: (2, 2), algorithm: .winograd) }
        #expect(throws: TensorError.self) { try Conv2D(kernel: Tensor(shape: [5, 5, 4, 8]), bias: nil, algorithm: .winograd) }
    }
}

/// Runs `body` with `Parallelism.workers` set to `count`, restoring the default afterwards.
func withWorkers(_ count: Int, _ body: () throws -> Void) rethrows {
    Parallelism.workers = count
    defer { Parallelism.workers = 0 }
    try body()
}

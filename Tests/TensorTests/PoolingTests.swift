import Testing
import Tensor

@Suite struct PoolingTests {
    @Test func matchesKerasPooling() throws {
        for testCase in try KernelGoldens.cases("pool2d") {
            let kind: Pool2D.Kind = try testCase.string("kind") == "max" ? .max : .average
            let pool = try Pool2D(kind, poolSize: testCase.pair("pool"), strides: testCase.pair("strides"),
                                  padding: testCase.padding())
            expectMatches(try pool(testCase.input("x")), testCase.expected, testCase.name)
        }
    }

    @Test func matchesKerasGlobalPooling() throws {
        for testCase in try KernelGoldens.cases("global_pool2d") {
            guard case .bool(let keep)? = testCase.attributes["keepdims"] else { Issue.record("keepdims"); continue }
            let pool = GlobalPool2D(try testCase.string("kind") == "max" ? .max : .average, keepDimensions: keep)
            expectMatches(try pool(testCase.input("x")), testCase.expected, testCase.name)
        }
    }

    @Test func matchesKerasZeroPadding() throws {
        for testCase in try KernelGoldens.cases("zero_padding2d") {
            guard case .array(let pads)? = testCase.attributes["padding"],
                  case .array(let vertical) = pads[0], case .array(let horizontal) = pads[1],
                  case .number(let top) = vertical[0], case .number(let bottom) = vertical[1],
                  case .number(let left) = horizontal[0], case .number(let right) = horizontal[1] else {
                Issue.record("\(testCase.name): padding attribute"); continue
            }
            let padding = try ZeroPadding2D(top: Int(top), bottom: Int(bottom), left: Int(left), right: Int(right))
            expectMatches(try padding(testCase.input("x")), testCase.expected, testCase.name, tolerance: 0)
        }
    }

    /// A pointwise convolution pooled first (`PooledPointwiseConvolution`, DenseNet's transitions) pools as Keras'
    /// AveragePooling2D does: with a kernel that copies each channel, the output is Keras' pooled input itself.
    @Test func pooledPointwiseConvolutionPoolsAsKeras() throws {
        let testCase = try #require(KernelGoldens.cases("pool2d").first { $0.name == "avgpool_2x2_valid" })
        let x = try testCase.input("x"), channels = x.shape[3]
        var identity = [Float](repeating: 0, count: channels * channels)
        for c in 0..<channels { identity[c * channels + c] = 1 }
        let copy = try Conv2D(kernel: Tensor(shape: [1, 1, channels, channels], values: identity), bias: nil)
        let pooled = try PooledPointwiseConvolution(convolution: copy, poolSize: testCase.pair("pool"), strides: testCase.pair("strides"))
        let output = try Tensor(shape: pooled.outputShape(for: x))
        try pooled.forward(x, into: output, workspace: Workspace())
        expectMatches(output, testCase.expected, testCase.name)
        #expect(throws: TensorError.self, "an activation does not commute with the pool") {
            try PooledPointwiseConvolution(convolution: Conv2D(kernel: Tensor(shape: [1, 1, channels, 4]), bias: nil, activation: .relu),
                                           poolSize: (2, 2), strides: (2, 2))
        }
        #expect(throws: TensorError.self, "a 3x3 kernel does not") {
            try PooledPointwiseConvolution(convolution: Conv2D(kernel: Tensor(shape: [3, 3, channels, 4]), bias: nil), poolSize: (2, 2), strides: (2, 2))
        }
    }

    @Test func rejectsBadShapesWithErrors() throws {
        #expect(throws: TensorError.self) { try Pool2D(.max, poolSize: (3, 3))(Tensor(shape: [1, 2, 2, 1])) }
        #expect(throws: TensorError.self) { try Pool2D(.max, poolSize: (0, 2)) }
        #expect(throws: TensorError.self) { try Pool2D(.average, poolSize: (2, 2))(Tensor(shape: [4, 4, 1])) }
        #expect(throws: TensorError.self) { try GlobalPool2D(.average)(Tensor(shape: [1, 0, 3, 2])) }
        #expect(throws: TensorError.self) { try ZeroPadding2D(top: -1, bottom: 0, left: 0, right: 0) }
    }
}

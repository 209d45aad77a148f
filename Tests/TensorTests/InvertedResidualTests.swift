import Testing
import Tensor

/// MobileNetV2's inverted residual block in one pass (`InvertedResidual`): against TensorFlow's depthwise outputs, and
/// bit for bit against the two steps it replaces (the expansion, then the separable convolution), which the depthwise
/// and convolution tests check against TensorFlow.
@Suite(.serialized) struct InvertedResidualTests {
    /// A 1x1 kernel from `inputs` to `outputs` channels that copies input channel c to outputs c, c + inputs, ...
    private func copying(_ inputs: Int, to outputs: Int) throws -> Tensor {
        var values = [Float](repeating: 0, count: inputs * outputs)
        for output in 0..<outputs { values[output % inputs * outputs + output] = 1 }
        return try Tensor(shape: [1, 1, inputs, outputs], values: values)
    }

    private func random(_ shape: [Int], _ generator: inout SplitMix64) throws -> Tensor {
        try Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &generator) })
    }

    /// An expansion that copies its channels, then each TensorFlow depthwise case with one filter per channel (with its
    /// bias and relu6) and a projection that copies channels, with a residual equal to the expected output: twice
    /// TensorFlow's depthwise output, activated. At 40 copies the 41-pixel-wide stride-2 case runs in bands.
    @Test func matchesTensorFlowsDepthwiseOutput() throws {
        for testCase in try LayerGradientReference.cases("depthwise_conv2d") where try testCase.requiredNumber("depth_multiplier") == 1 {
            let depthwise = try DepthwiseConv2D(kernel: testCase.tensor("kernel"), bias: testCase.tensor("bias"), strides: testCase.pair("strides"),
                                                padding: testCase.padding(), dilation: testCase.pair("dilation"), activation: .relu6)
            let channels = depthwise.inputChannels, outputs = 2 * channels + 3
            let block = try InvertedResidual(expansion: Conv2D(kernel: copying(channels, to: channels), bias: nil),
                                             block: SeparableConv2D(depthwise: depthwise, pointwise: Conv2D(kernel: copying(channels, to: outputs), bias: nil)))
            let x = try testCase.tensor("x0"), y = try testCase.tensor("y").toArray()
            let pixels = y.count / channels
            let activated = (0..<pixels * outputs).map { min(max(y[$0 / outputs * channels + $0 % outputs % channels], 0), 6) }
            for copies in [1, 40] {
                let input = try Tensor(shape: [copies * x.shape[0]] + x.shape.dropFirst(), values: Array((0..<copies).map { _ in x.toArray() }.joined()))
                let shape = try block.outputShape(for: input)
                let residual = try Tensor(shape: shape, values: Array((0..<copies).map { _ in activated }.joined()))
                for workers in [1, 0] {
                    let output = try Tensor(shape: shape)
                    try withWorkers(workers) { try block.forward(input, into: output, residual: residual, workspace: Workspace()) }
                    expectMatches(output, try Tensor(shape: shape, values: residual.toArray().map { 2 * $0 }),
                                  "\(testCase), \(copies) copies, workers \(workers)")
                }
            }
        }
    }

    /// MobileNetV2's block shapes, with random weights: 56x56 at stride 1 with the residual (bands of 14 rows), 56x56 to
    /// 28x28 at stride 2 through the zero padding MobileNetV2 puts before it, and 28x28 at stride 1 (too little to
    /// band at batch 1: two steps through the workspace), at batch 1 and 3, on one worker and on several: the same bits
    /// as the expansion and the separable convolution run one after the other.
    @Test func sameBitsAsTheTwoStepsItReplaces() throws {
        var generator = SplitMix64(seed: 14)
        let cases: [(size: Int, inputs: Int, expanded: Int, outputs: Int, stride: Int, residual: Bool)] = [
            (56, 24, 144, 24, 1, true), (56, 24, 144, 32, 2, false), (28, 32, 192, 32, 1, true),
        ]
        for shape in cases {
            let expansion = try Conv2D(kernel: random([1, 1, shape.inputs, shape.expanded], &generator), bias: random([shape.expanded], &generator),
                                       activation: .relu6)
            let depthwise = try DepthwiseConv2D(kernel: random([3, 3, shape.expanded, 1], &generator), bias: random([shape.expanded], &generator),
                                                strides: (shape.stride, shape.stride), padding: shape.stride == 1 ? .same : .valid,
                                                zeroPadding: shape.stride == 1 ? .none : ZeroPadding(top: 0, bottom: 1, left: 0, right: 1),
                                                activation: .relu6)
            let separable = try SeparableConv2D(depthwise: depthwise, pointwise: Conv2D(kernel: random([1, 1, shape.expanded, shape.outputs], &generator),
                                                                                         bias: random([shape.outputs], &generator)))
            let block = try InvertedResidual(expansion: expansion, block: separable)
            for batch in [1, 3] {
                let input = try random([batch, shape.size, shape.size, shape.inputs], &generator)
                let outputShape = try block.outputShape(for: input)
                let residual = shape.residual ? try random(outputShape, &generator) : nil
                let expanded = try expansion(input)
                let twoSteps = try Tensor(shape: outputShape)
                try separable.forward(expanded, into: twoSteps, residual: residual, workspace: Workspace())
                for workers in [1, 0] {
                    let output = try Tensor(shape: outputShape)
                    try withWorkers(workers) { try block.forward(input, into: output, residual: residual, workspace: Workspace()) }
                    // Counted, not compared as arrays: a failing comparison of 200 thousand values would print them all.
                    let different = zip(output.toArray(), twoSteps.toArray()).count { $0.bitPattern != $1.bitPattern }
                    #expect(different == 0, "\(shape), batch \(batch), workers \(workers): \(different) of \(output.count) values differ")
                }
            }
        }
    }

    @Test func rejectsWhatItCannotFuse() throws {
        let depthwise = try DepthwiseConv2D(kernel: Tensor(shape: [3, 3, 8, 1]), bias: nil)
        let separable = try SeparableConv2D(depthwise: depthwise, pointwise: Conv2D(kernel: Tensor(shape: [1, 1, 8, 4]), bias: nil))
        #expect(throws: TensorError.self, "3x3 expansion") {
            try InvertedResidual(expansion: Conv2D(kernel: Tensor(shape: [3, 3, 4, 8]), bias: nil), block: separable)
        }
        #expect(throws: TensorError.self, "channels") {
            try InvertedResidual(expansion: Conv2D(kernel: Tensor(shape: [1, 1, 4, 6]), bias: nil), block: separable)
        }
        let block = try InvertedResidual(expansion: Conv2D(kernel: Tensor(shape: [1, 1, 4, 8]), bias: nil), block: separable)
        #expect(throws: TensorError.self, "input channels") { try block.forward(Tensor(shape: [1, 8, 8, 5]), into: Tensor(shape: [1, 6, 6, 4]), workspace: Workspace()) }
        #expect(throws: TensorError.self, "output shape") { try block.forward(Tensor(shape: [1, 8, 8, 4]), into: Tensor(shape: [1, 8, 8, 4]), workspace: Workspace()) }
    }
}

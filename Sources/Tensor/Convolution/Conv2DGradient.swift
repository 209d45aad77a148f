/// The backward pass of `Conv2D` (docs/keras-numerics.md §1 for the forward): gradients with respect to the
/// input, the kernel and the bias, given dz, the gradient of the pre-activation output. A convolution that runs
/// forward by Winograd runs backward by Winograd too (`WinogradGradients.swift`: 2.25x fewer multiplications);
/// the others run on the forward's GEMM: the input gradient as a transposed convolution (`InputGradientOperand`),
/// the kernel gradient as `im2col(x)^T dz` (`WeightGradientGEMM`). A grouped convolution runs each group's on its
/// own runs of channels, as its forward does: a group's input gradient comes from its output channels' dz alone,
/// and its kernel gradient from its input channels alone.
extension Conv2D {
    /// dL/dx `(N, H, W, in)` from dz `(N, outH, outW, out)` and the HWIO `kernel` `(kh, kw, in / groups, out)`.
    /// Overwrites `inputGradient`.
    public func inputGradient(_ outputGradient: Tensor, kernel: Tensor, into inputGradient: Tensor, workspace: Workspace) throws {
        let (image, geometry) = try gradientGeometry(input: inputGradient, outputGradient: outputGradient, role: "input gradient")
        try kernel.requireShape(self.kernel.shape, operation: "conv2d backward", role: "kernel")
        try outputGradient.requireDistinct(from: inputGradient, operation: "conv2d backward", role: "output gradient")
        if algorithm == .winograd {
            withExtendedLifetime((outputGradient.storage, kernel.storage)) {
                WinogradF2x3.inputGradient(outputGradient: outputGradient.pointer, kernel: kernel.pointer, image: image, geometry: geometry,
                                           outputChannels: outputChannels, into: inputGradient.pointer, workspace: workspace)
            }
            return
        }
        let taps = kernelHeight * kernelWidth
        for group in 0..<groups {
            let (inputs, outputs) = self.kernel.channels(of: group)
            // The group's W^T per tap: row (tap, o), column c holds W[tap, c, o] for its input channels c and output channels o.
            let transposed = PackedMatrix(zeroRows: taps * outputs.count, columns: inputs.count)
            kernel.withValues { weights in
                for tap in 0..<taps {
                    for c in 0..<inputs.count {
                        let source = weights.baseAddress! + (tap * inputs.count + c) * outputChannels + outputs.lowerBound
                        for o in 0..<outputs.count { transposed.element(row: tap * outputs.count + o, column: c).pointee = source[o] }
                    }
                }
            }
            let operand = InputGradientOperand(outputGradient: outputGradient.pointer, image: image, geometry: geometry,
                                               outputChannels: outputChannels, channels: outputs)
            withExtendedLifetime(outputGradient.storage) {
                gemm(operand, transposed, output: inputGradient.pointer + inputs.lowerBound, outputStride: inputChannels,
                     epilogue: GemmEpilogue(), workspace: workspace)
            }
        }
    }

    /// dL/dW (HWIO, the kernel's shape) and dL/db (`out`, the sum of dz over batch and pixels) from the
    /// forward's `input` and dz. Overwrites both; `biasGradient` nil skips the bias.
    public func weightGradient(input: Tensor, outputGradient: Tensor, kernelGradient: Tensor, biasGradient: Tensor?,
                               workspace: Workspace) throws {
        let (image, geometry) = try gradientGeometry(input: input, outputGradient: outputGradient, role: "input")
        try kernelGradient.requireShape(kernel.shape, operation: "conv2d backward", role: "kernel gradient")
        if let biasGradient { try biasGradient.requireShape([outputChannels], operation: "conv2d backward", role: "bias gradient") }
        for source in [input, outputGradient] {
            try source.requireDistinct(from: kernelGradient, operation: "conv2d backward")
            if let biasGradient { try source.requireDistinct(from: biasGradient, operation: "conv2d backward") }
        }
        if let biasGradient {
            WeightGradientGEMM.columnSums(outputGradient.pointer, rows: outputGradient.count / outputChannels, columns: outputChannels,
                                          into: biasGradient.pointer)
        }
        if algorithm == .winograd {
            withExtendedLifetime((input.storage, outputGradient.storage)) {
                WinogradF2x3.kernelGradient(input: input.pointer, image: image, geometry: geometry, outputGradient: outputGradient.pointer,
                                            outputChannels: outputChannels, into: kernelGradient.pointer, workspace: workspace)
            }
            return
        }
        let kernelWidth = kernelWidth, taps = kernelHeight * kernelWidth
        for group in 0..<groups {
            let (inputs, outputs) = kernel.channels(of: group)
            // The forward's implicit im2col rows (the group's input channels), copied into the packed right operand tap by tap.
            let convolution = ConvolutionOperand(input: input.pointer, image: image, geometry: geometry, channels: inputs)
            let channels = inputs.count
            let product = WeightGradientGEMM(rows: convolution.rows, depth: convolution.depth, outputs: outputs.count, rowStride: outputChannels)
            withExtendedLifetime((input.storage, outputGradient.storage)) {
                product.run(outputGradient: outputGradient.pointer + outputs.lowerBound, kernelGradient: kernelGradient.pointer + outputs.lowerBound,
                            workspace: workspace) { range, packed, packedRow in
                    var row = packedRow
                    convolution.forEachPixel(range) { n, outputRow, outputColumn in
                        for tap in 0..<taps {
                            let (tapRow, tapColumn) = tap.quotientAndRemainder(dividingBy: kernelWidth)
                            packed.setRow(row, column: tap &* channels, count: channels,
                                          from: convolution.pixel(n, outputRow, outputColumn, tapRow: tapRow, tapColumn: tapColumn))
                        }
                        row &+= 1
                    }
                }
            }
        }
    }

    /// The input's image shape and window geometry, after checking that `outputGradient` has the output's shape.
    private func gradientGeometry(input: Tensor, outputGradient: Tensor, role: String) throws -> (ImageShape, WindowGeometry) {
        let (image, geometry) = try geometry(input, operation: "conv2d backward", role: role)
        try ImageShape(batch: image.batch, height: geometry.rows.output, width: geometry.columns.output, channels: outputChannels)
            .require(outputGradient, operation: "conv2d backward", role: "output gradient")
        return (image, geometry)
    }
}

/// The backward pass of `Dense` over the last axis (any leading shape), given dz, the gradient of the
/// pre-activation output: `dx = dz W^T` and `dW = x^T dz` on the forward's GEMM, `db` the sum of dz's rows.
extension Dense {
    /// dL/dx (the input's shape) from dz (`..., out`) and the `(in, out)` kernel. Overwrites `inputGradient`.
    public func inputGradient(_ outputGradient: Tensor, kernel: Tensor, into inputGradient: Tensor, workspace: Workspace) throws {
        let rows = try gradientRows(input: inputGradient, outputGradient: outputGradient, role: "input gradient")
        try kernel.requireShape([inputUnits, units], operation: "dense backward", role: "kernel")
        try outputGradient.requireDistinct(from: inputGradient, operation: "dense backward", role: "output gradient")
        let transposed = PackedMatrix(zeroRows: units, columns: inputUnits)
        kernel.withValues { weights in
            for i in 0..<inputUnits {
                for o in 0..<units { transposed.element(row: o, column: i).pointee = weights[i * units + o] }
            }
        }
        withExtendedLifetime(outputGradient.storage) {
            gemm(MatrixOperand(base: outputGradient.pointer, rows: rows, depth: units, stride: units), transposed,
                 output: inputGradient.pointer, outputStride: inputUnits, epilogue: GemmEpilogue(), workspace: workspace)
        }
    }

    /// dL/dW `(in, out)` and dL/db (`out`) from the forward's `input` and dz. Overwrites both; `biasGradient`
    /// nil skips the bias.
    public func weightGradient(input: Tensor, outputGradient: Tensor, kernelGradient: Tensor, biasGradient: Tensor?,
                               workspace: Workspace) throws {
        let rows = try gradientRows(input: input, outputGradient: outputGradient, role: "input")
        try kernelGradient.requireShape([inputUnits, units], operation: "dense backward", role: "kernel gradient")
        if let biasGradient { try biasGradient.requireShape([units], operation: "dense backward", role: "bias gradient") }
        for source in [input, outputGradient] {
            try source.requireDistinct(from: kernelGradient, operation: "dense backward")
            if let biasGradient { try source.requireDistinct(from: biasGradient, operation: "dense backward") }
        }
        let x = SendablePointer(input.pointer), width = inputUnits
        if let biasGradient { WeightGradientGEMM.columnSums(outputGradient.pointer, rows: rows, columns: units, into: biasGradient.pointer) }
        withExtendedLifetime((input.storage, outputGradient.storage)) {
            WeightGradientGEMM(rows: rows, depth: inputUnits, outputs: units)
                .run(outputGradient: outputGradient.pointer, kernelGradient: kernelGradient.pointer, workspace: workspace) { range, packed, packedRow in
                    for (offset, m) in range.enumerated() {
                        packed.setRow(packedRow + offset, column: 0, count: width, from: x.pointer + m * width)
                    }
                }
        }
    }

    /// The number of rows (the product of the leading axes), after checking both shapes.
    private func gradientRows(input: Tensor, outputGradient: Tensor, role: String) throws -> Int {
        guard input.rank >= 1, input.shape[input.rank - 1] == inputUnits, outputGradient.rank == input.rank,
              outputGradient.shape[outputGradient.rank - 1] == units, outputGradient.shape.dropLast() == input.shape.dropLast() else {
            throw TensorError.shapeMismatch(operation: "dense backward",
                                            detail: "\(role) \(input.shape) (must end in \(inputUnits)), output gradient \(outputGradient.shape) (must end in \(units))")
        }
        return input.count / inputUnits
    }
}

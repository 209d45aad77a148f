/// Keras `Dense`: `y = activation(x @ W + b)` with W `(in, out)` (docs/keras-numerics.md §4), over the last
/// axis of an input of any rank. The kernel is packed once; bias and activation run in the GEMM epilogue.
public struct Dense: Sendable {
    public let inputUnits: Int
    public let units: Int
    public let activation: Activation
    /// The `(in, out)` kernel, packed.
    public let weights: PackedMatrix
    /// `(out)`, or nil for `use_bias=False`.
    public let bias: Tensor?

    public init(kernel: Tensor, bias: Tensor?, activation: Activation = .linear) throws {
        guard kernel.rank == 2, kernel.count > 0 else {
            throw TensorError.shapeMismatch(operation: "dense", detail: "kernel must be a non-empty (in, out) matrix, got \(kernel.shape)")
        }
        try self.init(packedKernel: PackedMatrix(kernel), bias: bias, activation: activation)
    }

    /// A dense layer over weights already packed (`PackedMatrix` of the `(in, out)` kernel), so a loader can
    /// pack straight from a weight file without a float32 copy of the kernel in between.
    public init(packedKernel: PackedMatrix, bias: Tensor?, activation: Activation = .linear) throws {
        if let bias { try bias.requireShape([packedKernel.columns], operation: "dense", role: "bias") }
        inputUnits = packedKernel.rows
        units = packedKernel.columns
        self.activation = activation
        self.bias = bias
        weights = packedKernel
    }

    /// The input shape with its last axis replaced by `units`.
    public func outputShape(for input: Tensor) throws -> [Int] {
        guard input.rank >= 1, input.shape[input.rank - 1] == inputUnits else {
            throw TensorError.shapeMismatch(operation: "dense", detail: "input \(input.shape) must end in \(inputUnits)")
        }
        return input.shape.dropLast() + [units]
    }

    public func forward(_ input: Tensor, into output: Tensor, workspace: Workspace) throws {
        guard input.rank >= 1, input.shape[input.rank - 1] == inputUnits,
              output.rank == input.rank, output.shape[output.rank - 1] == units,
              output.shape.dropLast() == input.shape.dropLast() else {
            throw TensorError.shapeMismatch(operation: "dense", detail: "input \(input.shape) (must end in \(inputUnits)), output \(output.shape) (must end in \(units))")
        }
        try input.requireDistinct(from: output, operation: "dense")
        let rows = input.count / inputUnits
        let epilogue = GemmEpilogue(bias: bias.map { UnsafePointer($0.pointer) },
                                    activation: activation.isElementwise ? activation : .linear)
        gemm(MatrixOperand(base: input.pointer, rows: rows, depth: inputUnits, stride: inputUnits), weights,
             output: output.pointer, outputStride: units, epilogue: epilogue, workspace: workspace)
        if !activation.isElementwise {
            Activation.softmax(output.pointer, rows: rows, length: units)
        }
    }

    public func callAsFunction(_ input: Tensor, workspace: Workspace = Workspace()) throws -> Tensor {
        let output = try Tensor(shape: outputShape(for: input))
        try forward(input, into: output, workspace: workspace)
        return output
    }
}

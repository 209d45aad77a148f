extension Dense {
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
}

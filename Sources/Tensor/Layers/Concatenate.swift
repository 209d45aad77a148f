/// Keras `Concatenate(axis)`: joins inputs along one axis (default -1, the channels in NHWC); every other
/// dimension must agree.
public struct Concatenate: Sendable {
    public let axis: Int

    public init(axis: Int = -1) { self.axis = axis }

    private func resolvedAxis(rank: Int) throws -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0, resolved < rank else {
            throw TensorError.invalidArgument(operation: "concatenate", detail: "axis \(axis) is outside rank \(rank)")
        }
        return resolved
    }

    public func outputShape(for inputs: [Tensor]) throws -> [Int] {
        guard let first = inputs.first else { throw TensorError.invalidArgument(operation: "concatenate", detail: "no inputs") }
        let axis = try resolvedAxis(rank: first.rank)
        var shape = first.shape
        for input in inputs.dropFirst() {
            guard input.rank == first.rank,
                  input.shape.indices.allSatisfy({ $0 == axis || input.shape[$0] == first.shape[$0] }) else {
                throw TensorError.shapeMismatch(operation: "concatenate", detail: "shapes \(inputs.map(\.shape)) differ off axis \(self.axis)")
            }
            shape[axis] += input.shape[axis]
        }
        return shape
    }

    /// Copies `inputs` side by side into `output`; checks shapes in place (no arrays built per call).
    public func forward<Inputs: Collection<Tensor>>(_ inputs: Inputs, into output: Tensor) throws {
        let axis = try resolvedAxis(rank: output.rank)
        let fits = !inputs.isEmpty && inputs.allSatisfy { input in
            input.rank == output.rank && (0..<output.rank).allSatisfy { $0 == axis || input.shape[$0] == output.shape[$0] }
        } && inputs.reduce(0) { $0 + $1.shape[axis] } == output.shape[axis]
        guard fits else {
            throw TensorError.shapeMismatch(operation: "concatenate", detail: "\(inputs.map(\.shape)) do not join into \(output.shape) on axis \(self.axis)")
        }
        for input in inputs { try input.requireDistinct(from: output, operation: "concatenate") }
        let outer = output.shape[..<axis].reduce(1, *)
        let outputChunk = output.shape[axis...].reduce(1, *)
        // Output rows split between the workers in runs of rows: a DenseNet block's concatenations copy its whole
        // growing map at every layer (58 of them, 12% of DenseNet121's pass on one thread), mostly within L2, where
        // two cores copy twice as fast as one.
        let runs = min(outer, 4 * Parallelism.workers), target = SendablePointer(output.pointer)
        let sources = inputs.map { (pointer: SendablePointer($0.pointer), chunk: $0.shape[axis...].reduce(1, *)) }
        withExtendedLifetime((Array(inputs).map(\.storage), output.storage)) {
            runTasks(runs, workers: Parallelism.workers) { _, run in
                let blocks = outer * run / runs..<outer * (run + 1) / runs
                var column = 0
                for source in sources {
                    for block in blocks {
                        (target.pointer + block * outputChunk + column).update(from: source.pointer.pointer + block * source.chunk,
                                                                              count: source.chunk)
                    }
                    column += source.chunk
                }
            }
        }
    }

    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        let output = try Tensor(shape: outputShape(for: inputs))
        try forward(inputs, into: output)
        return output
    }
}

extension Concatenate {
    /// The gradient with respect to `inputs[index]`: its slice of `outputGradient` along the axis.
    public func backward(outputGradient: Tensor, inputs: [Tensor], input index: Int, into inputGradient: Tensor) throws {
        try outputGradient.requireShape(outputShape(for: inputs), operation: "concatenate backward", role: "output gradient")
        guard inputs.indices.contains(index) else {
            throw TensorError.invalidArgument(operation: "concatenate backward", detail: "input \(index) of \(inputs.count)")
        }
        try inputGradient.requireShape(inputs[index].shape, operation: "concatenate backward", role: "input gradient")
        try outputGradient.requireDistinct(from: inputGradient, operation: "concatenate backward", role: "output gradient")
        let axis = try resolvedAxis(rank: outputGradient.rank)
        let outer = outputGradient.shape[..<axis].reduce(1, *)
        let outputChunk = outputGradient.shape[axis...].reduce(1, *)
        let column = inputs[..<index].reduce(0) { $0 + $1.shape[axis...].reduce(1, *) }
        let chunk = inputGradient.shape[axis...].reduce(1, *)
        for block in 0..<outer {
            (inputGradient.pointer + block * chunk).update(from: outputGradient.pointer + block * outputChunk + column, count: chunk)
        }
    }
}

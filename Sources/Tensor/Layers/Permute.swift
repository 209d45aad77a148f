/// Keras `Permute(dims)`: the axes after the batch axis reordered, output axis `i` (counting from 1, as Keras does)
/// being input axis `dims[i - 1]`; `ops.transpose(x, (0,) + dims)`. The values are copied into the new order; the
/// backward pass is the inverse permutation of the output gradient.
public struct Permute: Sendable {
    /// Keras' `dims`: a permutation of `1...n` for an input of rank `n + 1`.
    public let dims: [Int]

    public init(dims: [Int]) throws {
        guard !dims.isEmpty, dims.sorted() == Array(1...dims.count) else {
            throw TensorError.invalidArgument(operation: "permute", detail: "dims \(dims) is not a permutation of 1...\(dims.count)")
        }
        self.dims = dims
    }

    /// The permutation undoing this one: the backward pass's.
    var inverse: Permute {
        var inverse = dims
        for (position, axis) in dims.enumerated() { inverse[axis - 1] = position + 1 }
        return try! Permute(dims: inverse)   // a permutation's inverse is one
    }

    public func outputShape(for input: Tensor) throws -> [Int] {
        guard input.rank == dims.count + 1 else {
            throw TensorError.shapeMismatch(operation: "permute", detail: "dims \(dims) permute a rank-\(dims.count + 1) input, got \(input.shape)")
        }
        return [input.shape[0]] + dims.map { input.shape[$0] }
    }

    public func forward(_ input: Tensor, into output: Tensor) throws {
        try output.requireShape(outputShape(for: input), operation: "permute")
        try input.requireDistinct(from: output, operation: "permute")
        let rank = input.rank
        var inputStrides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) { inputStrides[axis] = inputStrides[axis + 1] * input.shape[axis + 1] }
        // Walks the output in order; `strides[k]` is how far in the input one step along output axis k moves.
        let strides = [inputStrides[0]] + dims.map { inputStrides[$0] }
        let shape = output.shape, inner = shape[rank - 1], innerStride = strides[rank - 1]
        guard output.count > 0 else { return }
        var index = [Int](repeating: 0, count: rank - 1), source = 0
        for row in 0..<(output.count / inner) {
            let target = output.pointer + row * inner, from = input.pointer + source
            if innerStride == 1 {
                target.update(from: from, count: inner)     // the last axis stays last: whole runs
            } else {
                for i in 0..<inner { target[i] = from[i * innerStride] }
            }
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                source += strides[axis]
                if index[axis] < shape[axis] { break }
                source -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let output = try Tensor(shape: outputShape(for: input))
        try forward(input, into: output)
        return output
    }

    /// The gradient with respect to the input: the output gradient put back in the input's order.
    public func backward(outputGradient: Tensor, into inputGradient: Tensor) throws {
        try outputGradient.requireShape(outputShape(for: inputGradient), operation: "permute backward", role: "output gradient")
        try inverse.forward(outputGradient, into: inputGradient)
    }
}

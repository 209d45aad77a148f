/// `x[0] / x[1]`, element-wise with Keras' merge broadcasting: the attention-VGG16's `RescaleGAP` Lambda,
/// which divides the attention-weighted feature average by the average attention (seed-notebooks.md §3.2).
/// Not a Keras merge layer, so it lives apart from `Merge`; the shape rule is the same.
public struct Divide: Sendable {
    public init() {}

    public func outputShape(for inputs: [Tensor]) throws -> [Int] {
        guard inputs.count == 2 else {
            throw TensorError.invalidArgument(operation: "divide", detail: "takes exactly two inputs (numerator, denominator), got \(inputs.count)")
        }
        return try Merge(.multiply).outputShape(for: inputs)
    }

    public func forward(_ inputs: [Tensor], into output: Tensor) throws {
        try output.requireShape(outputShape(for: inputs), operation: "divide")
        let numerator = inputs[0], denominator = inputs[1]
        if numerator.shape == output.shape && denominator.shape == output.shape {
            for i in 0..<output.count { output.pointer[i] = numerator.pointer[i] / denominator.pointer[i] }
            return
        }
        // Broadcasting: walk the output index and map it into each input (0 along size-1 axes).
        let rank = output.rank
        let stridesA = Divide.broadcastStrides(numerator.shape, rank: rank)
        let stridesB = Divide.broadcastStrides(denominator.shape, rank: rank)
        for flat in 0..<output.count {
            var remainder = flat, offsetA = 0, offsetB = 0
            for axis in stride(from: rank - 1, through: 0, by: -1) {
                let index = remainder % output.shape[axis]
                remainder /= output.shape[axis]
                offsetA += index * stridesA[axis]
                offsetB += index * stridesB[axis]
            }
            output.pointer[flat] = numerator.pointer[offsetA] / denominator.pointer[offsetB]
        }
    }

    /// Element strides of `shape` in an output of `rank` axes, after Keras' alignment (size-1 axes inserted
    /// after the batch axis); 0 along broadcast axes.
    private static func broadcastStrides(_ shape: [Int], rank: Int) -> [Int] {
        let aligned = shape.count < rank && !shape.isEmpty
            ? [shape[0]] + [Int](repeating: 1, count: rank - shape.count) + shape.dropFirst()
            : shape
        var strides = [Int](repeating: 0, count: rank)
        var running = 1
        for axis in stride(from: rank - 1, through: 0, by: -1) {
            strides[axis] = aligned[axis] == 1 ? 0 : running
            running *= aligned[axis]
        }
        return strides
    }

    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        let output = try Tensor(shape: outputShape(for: inputs))
        try forward(inputs, into: output)
        return output
    }
}

/// Keras merge layers (`Add`, `Subtract`, `Multiply`, `Average`, `Maximum`, `Minimum`), element-wise with
/// broadcasting of size-1 dimensions. As in Keras, inputs of lower rank first gain size-1 axes right after
/// the batch axis (`(N, C)` against `(N, H, W, C)` becomes `(N, 1, 1, C)`), then NumPy rules apply.
public struct Merge: Sendable {
    public enum Kind: Sendable { case add, subtract, multiply, average, maximum, minimum }

    public let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    /// The broadcast shape of `inputs`, or an error naming the incompatible shapes.
    public func outputShape(for inputs: [Tensor]) throws -> [Int] {
        guard inputs.count >= 2 else { throw TensorError.invalidArgument(operation: "merge", detail: "needs at least two inputs, got \(inputs.count)") }
        if kind == .subtract, inputs.count != 2 {
            throw TensorError.invalidArgument(operation: "merge", detail: "subtract takes exactly two inputs, got \(inputs.count)")
        }
        let rank = inputs.map(\.rank).max()!
        var shape = [Int](repeating: 1, count: rank)
        for input in inputs {
            let aligned = Merge.aligned(input.shape, rank: rank)
            for axis in 0..<rank where aligned[axis] != shape[axis] {
                guard shape[axis] == 1 || aligned[axis] == 1 else {
                    throw TensorError.shapeMismatch(operation: "merge", detail: "cannot broadcast \(inputs.map(\.shape))")
                }
                shape[axis] = max(shape[axis], aligned[axis])
            }
        }
        return shape
    }

    /// Combines `inputs` left to right into `output` (Keras' order, so rounding matches). `output` may be the
    /// memory of the first or second input when that input already has the output shape, never of a later one.
    public func forward(_ inputs: [Tensor], into output: Tensor) throws {
        try output.requireShape(outputShape(for: inputs), operation: "merge")
        try broadcastBinary(inputs[0], inputs[1], into: output, kind == .average ? .add : kind)
        for input in inputs.dropFirst(2) {
            try broadcastBinary(output, input, into: output, kind == .average ? .add : kind)
        }
        if kind == .average {
            let count = Float(inputs.count)
            for i in 0..<output.count { output.pointer[i] /= count }
        }
    }

    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        let output = try Tensor(shape: outputShape(for: inputs))
        try forward(inputs, into: output)
        return output
    }

    /// `shape` with size-1 axes inserted after the batch axis up to `rank` (Keras' merge rule).
    static func aligned(_ shape: [Int], rank: Int) -> [Int] {
        guard shape.count < rank, let batch = shape.first else { return shape.isEmpty ? [Int](repeating: 1, count: rank) : shape }
        return [batch] + [Int](repeating: 1, count: rank - shape.count) + shape.dropFirst()
    }
}

/// `output = a (op) b` with broadcasting; `output` has the broadcast shape.
private func broadcastBinary(_ a: Tensor, _ b: Tensor, into output: Tensor, _ kind: Merge.Kind) throws {
    let rank = output.rank
    let shapeA = Merge.aligned(a.shape, rank: rank), shapeB = Merge.aligned(b.shape, rank: rank)
    // Element strides of each input in the output's index space; 0 along a broadcast axis.
    var strideA = [Int](repeating: 0, count: rank), strideB = strideA
    var runningA = 1, runningB = 1
    for axis in stride(from: rank - 1, through: 0, by: -1) {
        strideA[axis] = shapeA[axis] == 1 ? 0 : runningA
        strideB[axis] = shapeB[axis] == 1 ? 0 : runningB
        runningA *= shapeA[axis]
        runningB *= shapeB[axis]
    }
    let inner = rank > 0 ? output.shape[rank - 1] : 1
    let innerA = rank > 0 ? strideA[rank - 1] : 0, innerB = rank > 0 ? strideB[rank - 1] : 0
    var index = [Int](repeating: 0, count: max(rank - 1, 0))
    var offsetA = 0, offsetB = 0
    var target = output.pointer
    for _ in 0..<(inner > 0 ? output.count / inner : 0) {
        let x = a.pointer + offsetA, y = b.pointer + offsetB
        switch kind {
        case .add: combineRow(x, innerA, y, innerB, target, inner) { $0 + $1 }
        case .average: combineRow(x, innerA, y, innerB, target, inner) { $0 + $1 }
        case .subtract: combineRow(x, innerA, y, innerB, target, inner) { $0 - $1 }
        case .multiply: combineRow(x, innerA, y, innerB, target, inner) { $0 * $1 }
        case .maximum: combineRow(x, innerA, y, innerB, target, inner) { $0.replacing(with: $1, where: $0 .< $1) }
        case .minimum: combineRow(x, innerA, y, innerB, target, inner) { $0.replacing(with: $1, where: $1 .< $0) }
        }
        target += inner
        // Advance the outer index (all axes but the last) like an odometer.
        var axis = rank - 2
        while axis >= 0 {
            index[axis] += 1
            offsetA += strideA[axis]
            offsetB += strideB[axis]
            if index[axis] < output.shape[axis] { break }
            offsetA -= strideA[axis] * index[axis]
            offsetB -= strideB[axis] * index[axis]
            index[axis] = 0
            axis -= 1
        }
    }
}

/// One output row: `x` and `y` advance by their strides (1, or 0 when broadcast).
@inline(__always)
private func combineRow(_ x: UnsafePointer<Float>, _ strideX: Int, _ y: UnsafePointer<Float>, _ strideY: Int,
                        _ target: UnsafeMutablePointer<Float>, _ count: Int,
                        _ combine: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>) {
    var i = 0
    if strideX == 1 && strideY == 1 {
        while i &+ 16 <= count {
            store16(combine(load16(x + i), load16(y + i)), target + i)
            i &+= 16
        }
    }
    while i < count {
        target[i] = combine(SIMD16(repeating: x[i &* strideX]), SIMD16(repeating: y[i &* strideY]))[0]
        i &+= 1
    }
}

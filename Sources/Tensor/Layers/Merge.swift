/// Keras merge layers (`Add`, `Subtract`, `Multiply`, `Average`, `Maximum`, `Minimum`), and the division the
/// attention head's `Lambda(lambda x: x[0] / x[1])` computes, element-wise with broadcasting of size-1 dimensions. As in Keras, inputs of lower rank first gain size-1 axes right after
/// the batch axis (`(N, C)` against `(N, H, W, C)` becomes `(N, 1, 1, C)`), then NumPy rules apply.
public struct Merge: Sendable {
    public enum Kind: Sendable { case add, subtract, multiply, divide, average, maximum, minimum }

    public let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    /// The broadcast shape of `inputs`, or an error naming the incompatible shapes.
    public func outputShape(for inputs: [Tensor]) throws -> [Int] {
        guard inputs.count >= 2 else { throw TensorError.invalidArgument(operation: "merge", detail: "needs at least two inputs, got \(inputs.count)") }
        if kind == .subtract || kind == .divide, inputs.count != 2 {
            throw TensorError.invalidArgument(operation: "merge", detail: "\(kind) takes exactly two inputs, got \(inputs.count)")
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
    /// Checks shapes in place, without building arrays: it runs on every forward pass.
    public func forward<Inputs: Collection<Tensor>>(_ inputs: Inputs, into output: Tensor) throws {
        guard inputs.count >= 2, (kind != .subtract && kind != .divide) || inputs.count == 2,
              inputs.allSatisfy({ $0.rank <= output.rank }) else {
            throw TensorError.invalidArgument(operation: "merge", detail: "\(inputs.count) inputs of ranks \(inputs.map(\.rank)) into rank \(output.rank)")
        }
        for axis in 0..<output.rank {
            let broadcast = inputs.reduce(1) { max($0, Merge.alignedDimension($1.shape, rank: output.rank, axis: axis)) }
            guard output.shape[axis] == broadcast,
                  inputs.allSatisfy({ input in
                      let dimension = Merge.alignedDimension(input.shape, rank: output.rank, axis: axis)
                      return dimension == 1 || dimension == broadcast
                  }) else {
                throw TensorError.shapeMismatch(operation: "merge", detail: "cannot broadcast \(inputs.map(\.shape)) to \(output.shape)")
            }
        }
        for input in inputs.dropFirst(2) { try input.requireDistinct(from: output, operation: "merge", role: "third or later input") }
        let pairwise = kind == .average ? Kind.add : kind
        var remaining = inputs.makeIterator()
        let first = remaining.next()!, second = remaining.next()!
        broadcastBinary(first, second, into: output, pairwise)
        while let input = remaining.next() { broadcastBinary(output, input, into: output, pairwise) }
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
        (0..<rank).map { alignedDimension(shape, rank: rank, axis: $0) }
    }

    /// Dimension `axis` of `shape` once aligned to `rank`, without building the aligned shape.
    @inline(__always)
    static func alignedDimension(_ shape: [Int], rank: Int, axis: Int) -> Int {
        let missing = rank - shape.count
        if shape.isEmpty { return 1 }
        if axis == 0 { return shape[0] }
        return axis <= missing ? 1 : shape[axis - missing]
    }
}

extension Merge {
    /// The gradient with respect to `inputs[index]`, summed over the axes that input was broadcast along. Per
    /// output element, as TensorFlow's gradient kernels give it: add passes `dy`, subtract `dy` and `-dy`,
    /// average `dy / n`, multiply `dy` times the other inputs, divide `dy / b` and `dy * ((-a / b) / b)`
    /// (RealDivGrad); maximum and minimum pass `dy` to the first extreme input in input order, because Keras folds
    /// them left to right and TensorFlow's MaximumGrad/MinimumGrad give a tie to the left operand.
    public func backward(inputs: [Tensor], outputGradient: Tensor, input index: Int, into inputGradient: Tensor) throws {
        let shape = try outputShape(for: inputs)
        guard inputs.indices.contains(index) else {
            throw TensorError.invalidArgument(operation: "merge backward", detail: "input \(index) of \(inputs.count)")
        }
        try outputGradient.requireShape(shape, operation: "merge backward", role: "output gradient")
        try inputGradient.requireShape(inputs[index].shape, operation: "merge backward", role: "input gradient")
        try outputGradient.requireDistinct(from: inputGradient, operation: "merge backward", role: "output gradient")
        for input in inputs { try input.requireDistinct(from: inputGradient, operation: "merge backward") }
        let values = inputs.map { UnsafePointer($0.pointer) }, dy = outputGradient.pointer, dx = inputGradient.pointer
        if inputs.allSatisfy({ $0.shape == shape }) {
            // No broadcasting (the residual add): every input sits at the output's own index, nothing to sum.
            for element in 0..<outputGradient.count {
                dx[element] = gradient(dy[element], inputs: values.count, index) { values[$0][element] }
            }
            return
        }
        dx.update(repeating: 0, count: inputGradient.count)
        let rank = shape.count
        // Each input's element stride along each output axis (0 where it is broadcast), and an odometer.
        let strides = inputs.map { input in
            var running = 1
            return (0..<rank).reversed().map { axis in
                let dimension = Merge.alignedDimension(input.shape, rank: rank, axis: axis)
                defer { running *= dimension }
                return dimension == 1 ? 0 : running
            }.reversed() as [Int]
        }
        var offsets = [Int](repeating: 0, count: inputs.count), position = [Int](repeating: 0, count: rank)
        for element in 0..<outputGradient.count {
            dx[offsets[index]] += gradient(dy[element], inputs: values.count, index) { values[$0][offsets[$0]] }
            var axis = rank - 1
            while axis >= 0 {
                position[axis] += 1
                for i in inputs.indices { offsets[i] += strides[i][axis] }
                if position[axis] < shape[axis] { break }
                for i in inputs.indices { offsets[i] -= strides[i][axis] * shape[axis] }
                position[axis] = 0
                axis -= 1
            }
        }
    }

    /// The gradient reaching input `index` of `count` from one output element whose input values `value` reads.
    @inline(__always)
    private func gradient(_ dy: Float, inputs count: Int, _ index: Int, _ value: (Int) -> Float) -> Float {
        switch kind {
        case .add: return dy
        case .subtract: return index == 0 ? dy : -dy
        case .average: return dy / Float(count)
        case .multiply:
            var product = dy
            for i in 0..<count where i != index { product *= value(i) }
            return product
        case .divide:
            return index == 0 ? dy / value(1) : dy * ((-value(0) / value(1)) / value(1))
        case .maximum, .minimum:
            var winner = 0
            for i in 1..<count where kind == .maximum ? value(i) > value(winner) : value(i) < value(winner) {
                winner = i
            }
            return winner == index ? dy : 0
        }
    }
}

/// `output = a (op) b` with broadcasting; `output` has the broadcast shape (checked by the caller).
private func broadcastBinary(_ a: Tensor, _ b: Tensor, into output: Tensor, _ kind: Merge.Kind) {
    let rank = output.rank
    guard rank > 0 else {
        combineRow(a.pointer, 0, b.pointer, 0, output.pointer, 1, kind)
        return
    }
    let inner = output.shape[rank - 1]
    guard inner > 0 else { return }
    // Element strides of each input in the output's index space (0 along a broadcast axis), and the odometer
    // over the outer axes, on the stack.
    withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * rank) { scratch in
        let strideA = scratch.baseAddress!, strideB = strideA + rank, index = strideB + rank
        var runningA = 1, runningB = 1
        for axis in stride(from: rank - 1, through: 0, by: -1) {
            let dimensionA = Merge.alignedDimension(a.shape, rank: rank, axis: axis)
            let dimensionB = Merge.alignedDimension(b.shape, rank: rank, axis: axis)
            strideA[axis] = dimensionA == 1 ? 0 : runningA
            strideB[axis] = dimensionB == 1 ? 0 : runningB
            runningA *= dimensionA
            runningB *= dimensionB
            index[axis] = 0
        }
        var offsetA = 0, offsetB = 0
        var target = output.pointer
        for _ in 0..<(output.count / inner) {
            combineRow(a.pointer + offsetA, strideA[rank - 1], b.pointer + offsetB, strideB[rank - 1], target, inner, kind)
            target += inner
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
}

/// One output row of `kind`.
@inline(__always)
private func combineRow(_ x: UnsafePointer<Float>, _ strideX: Int, _ y: UnsafePointer<Float>, _ strideY: Int,
                        _ target: UnsafeMutablePointer<Float>, _ count: Int, _ kind: Merge.Kind) {
    switch kind {
    case .add, .average: combineRow(x, strideX, y, strideY, target, count) { $0 + $1 }
    case .subtract: combineRow(x, strideX, y, strideY, target, count) { $0 - $1 }
    case .multiply: combineRow(x, strideX, y, strideY, target, count) { $0 * $1 }
    case .divide: combineRow(x, strideX, y, strideY, target, count) { $0 / $1 }
    case .maximum: combineRow(x, strideX, y, strideY, target, count) { $0.replacing(with: $1, where: $0 .< $1) }
    case .minimum: combineRow(x, strideX, y, strideY, target, count) { $0.replacing(with: $1, where: $1 .< $0) }
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

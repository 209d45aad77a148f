/// What happens to each output once its reduction is complete: `y = activation(acc + bias[column] +
/// residual[row, column])`. Fusing it into the GEMM saves a full pass over the output per step (bias, the
/// ResNet shortcut add, the activation). Tiles with a linear, ReLU, relu6 or silu activation finish in registers
/// (`tileFinish`); the other activations finish right after the store, still in L1 (`apply`).
struct GemmEpilogue: @unchecked Sendable {
    /// One value per output column, or nil.
    var bias: UnsafePointer<Float>?
    /// A tensor shaped like the output (same row stride), added before the activation, or nil.
    var residual: UnsafePointer<Float>?
    var residualStride: Int = 0
    /// Element-wise only; softmax runs after the GEMM because it needs whole rows.
    var activation: Activation = .linear

    var isIdentity: Bool { bias == nil && residual == nil && activation == .linear }

    /// The in-register form for the tiles whose top-left output is (`row`, `column`), when the activation allows it;
    /// nil when there is nothing to do or the activation must run after the store.
    @inline(__always)
    func tileFinish(row: Int, column: Int) -> TileFinish? {
        guard !isIdentity, let inRegisters = activation.inRegisters else { return nil }
        return TileFinish(bias: bias.map { $0 + column }, residual: residual.map { $0 + (row &* residualStride &+ column) },
                          residual_stride: Int64(residualStride), activation: inRegisters)
    }

    /// Finishes `rows` x `columns` outputs at `tile` (rows `stride` apart) whose top-left element is
    /// output element (`row`, `column`).
    @inline(__always)
    func apply(to tile: UnsafeMutablePointer<Float>, stride: Int, row: Int, rows: Int, column: Int, columns: Int) {
        if isIdentity { return }
        for r in 0..<rows {
            let values = tile + r &* stride
            let shortcut = residual.map { $0 + ((row &+ r) &* residualStride &+ column) }
            var j = 0
            while j &+ 16 <= columns {
                var v = load16(values + j)
                if let bias { v += load16(bias + (column &+ j)) }
                if let shortcut { v += load16(shortcut + j) }
                store16(v, values + j)
                j &+= 16
            }
            while j < columns {
                if let bias { values[j] += bias[column &+ j] }
                if let shortcut { values[j] += shortcut[j] }
                j &+= 1
            }
            activation.apply(values, count: columns)
        }
    }
}

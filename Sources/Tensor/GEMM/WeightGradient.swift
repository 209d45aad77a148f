internal import CKernels

/// The weight gradient of a layer that is a matrix product `z = A W` (Dense: A = x; Conv2D: A = im2col(x)):
/// `dW = A^T dz`, with A `(M, K)` and dz `(M, N)`. M is the number of pixels in the batch (802,816 for VGG's
/// first block at batch 16), so neither A^T nor A is ever materialised whole. The GEMM computes the
/// transpose, `dW^T (N, K) = dz^T (N, M) x A (M, K)`: dz^T is a plain row-major left operand, and A is
/// packed as the GEMM's right operand straight from its source rows (`packRows`), a chunk of M at a time.
/// Chunks accumulate through the epilogue's residual, ping-ponging between two `(N, K)` buffers, so
/// nothing is re-read for the sum; the result is transposed into the `(K, N)` kernel layout at the end.
struct WeightGradientGEMM {
    /// M, K, N.
    let rows: Int, depth: Int, outputs: Int
    /// Floats between consecutive rows of dz and of dW: N, unless both are column runs of wider matrices (one group
    /// of a grouped convolution: its output channels of dz, its kernel's columns of dW).
    let rowStride: Int

    init(rows: Int, depth: Int, outputs: Int, rowStride: Int? = nil) {
        (self.rows, self.depth, self.outputs) = (rows, depth, outputs)
        self.rowStride = rowStride ?? outputs
    }

    /// Packed A rows per chunk: about 32 MB of packed operand, a whole number of GEMM depth blocks.
    var chunkRows: Int {
        let budget = (8 << 20) / roundUp(depth, to: GemmTile.columns)
        return min(rows, max(GemmTile.maxDepth, budget / GemmTile.maxDepth * GemmTile.maxDepth))
    }

    /// - Parameters:
    ///   - outputGradient: dz, `(M, N)` row-major, rows `rowStride` apart.
    ///   - packRows: writes A's rows `range` into `packed` from its row `packedRow` on (all K columns, zeros
    ///     included: the memory is reused between chunks). Called from worker threads on disjoint ranges.
    ///   - kernelGradient: dW, `(K, N)` row-major, rows `rowStride` apart, overwritten.
    ///   - biasGradient: the column sums of dz (`N`), overwritten, or nil.
    func run(outputGradient: UnsafePointer<Float>, kernelGradient: UnsafeMutablePointer<Float>,
             biasGradient: UnsafeMutablePointer<Float>?, workspace: Workspace,
             packRows: @Sendable (_ range: Range<Int>, _ packed: PackedMatrix, _ packedRow: Int) -> Void) {
        let chunk = chunkRows
        let packedStorage = workspace.storage(for: .packedRows, count: roundUp(depth, to: GemmTile.columns) * chunk)
        let transposedStorage = workspace.storage(for: .transposedGradient, count: outputs * chunk)
        let transposed = SendablePointer(transposedStorage.base)
        let sums = [workspace.storage(for: .sum, count: outputs * depth), workspace.storage(for: .otherSum, count: outputs * depth)]
        let dz = SendablePointer(UnsafeMutablePointer(mutating: outputGradient))
        // Only raw pointers into these buffers are used below: keep the buffers alive until the end.
        defer { withExtendedLifetime((packedStorage, transposedStorage, sums)) {} }
        let workers = Parallelism.workers
        var current = 0
        for (index, first) in stride(from: 0, to: rows, by: chunk).enumerated() {
            let count = min(chunk, rows - first)
            let packed = PackedMatrix(rows: count, columns: depth, storage: packedStorage)
            // Packing and transposing are memory-bound, but at 64 output channels they cost a third of the
            // GEMM's time on one thread, so the chunk's rows are split between the workers too.
            let tasks = min(count, 4 * workers), perTask = (count + tasks - 1) / tasks
            runTasks(tasks, workers: workers) { _, task in
                // The last tasks may have no rows (11 rows in 8 tasks of 2): clamp both ends, or the range inverts.
                let range = min(first + task * perTask, first + count)..<min(first + (task + 1) * perTask, first + count)
                guard !range.isEmpty else { return }
                packRows(range, packed, range.lowerBound - first)
                zoo_transpose(dz.pointer + range.lowerBound &* rowStride, Int64(rowStride), Int64(range.count), Int64(outputs),
                              transposed.pointer + (range.lowerBound - first), Int64(count))
            }
            let previous = index == 0 ? nil : UnsafePointer(sums[current].base)
            current = 1 - current
            gemm(MatrixOperand(base: transposed.pointer, rows: outputs, depth: count, stride: count), packed,
                 output: sums[current].base, outputStride: depth,
                 epilogue: GemmEpilogue(residual: previous, residualStride: depth), workspace: workspace)
        }
        zoo_transpose(sums[current].base, Int64(depth), Int64(outputs), Int64(depth), kernelGradient, Int64(rowStride))
        if let biasGradient { Self.columnSums(outputGradient, rows: rows, columns: outputs, stride: rowStride, into: biasGradient) }
    }

    /// The bias gradient: the sums of the `columns` columns of dz's `rows` rows (`stride` floats apart), overwriting `sums`.
    static func columnSums(_ matrix: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int, into sums: UnsafeMutablePointer<Float>) {
        sums.update(repeating: 0, count: columns)
        for m in 0..<rows {
            let row = matrix + m &* stride
            for n in 0..<columns { sums[n] += row[n] }
        }
    }
}

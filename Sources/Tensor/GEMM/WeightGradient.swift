internal import CKernels

/// The weight gradient of a layer that is a matrix product `z = A W` (Dense: A = x; Conv2D: A = im2col(x)):
/// `dW = A^T dz`, with A `(M, K)` and dz `(M, N)`. M is the number of pixels in the batch (802,816 for VGG's
/// first block at batch 16), so neither A^T nor A is ever materialised whole. The GEMM computes the
/// transpose, `dW^T (N, K) = dz^T (N, M) x A (M, K)`: dz^T is a plain row-major left operand, and A is
/// packed as the GEMM's right operand straight from its source rows (`packRows`), a chunk of M at a time.
/// Chunks accumulate through the epilogue's residual (`ChunkSums`), so
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
    func run(outputGradient: UnsafePointer<Float>, kernelGradient: UnsafeMutablePointer<Float>, workspace: Workspace,
             packRows: @Sendable (_ range: Range<Int>, _ packed: PackedMatrix, _ packedRow: Int) -> Void) {
        let chunk = chunkRows
        let packedStorage = workspace.storage(for: .packedRows, count: roundUp(depth, to: GemmTile.columns) * chunk)
        let transposedStorage = workspace.storage(for: .transposedGradient, count: outputs * chunk)
        let transposed = SendablePointer(transposedStorage.base)
        var sums = ChunkSums(count: outputs * depth, workspace: workspace)
        let dz = SendablePointer(UnsafeMutablePointer(mutating: outputGradient))
        // Only raw pointers into these buffers are used below: keep the buffers alive until the end.
        defer { withExtendedLifetime((packedStorage, transposedStorage)) {} }
        let workers = Parallelism.workers
        for first in stride(from: 0, to: rows, by: chunk) {
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
            let (product, sumSoFar) = sums.nextChunk()
            gemm(MatrixOperand(base: transposed.pointer, rows: outputs, depth: count, stride: count), packed,
                 output: product, outputStride: depth, epilogue: GemmEpilogue(residual: sumSoFar, residualStride: depth), workspace: workspace)
        }
        zoo_transpose(sums.total, Int64(depth), Int64(outputs), Int64(depth), kernelGradient, Int64(rowStride))
    }

    /// The bias gradient of a layer `z = A W + b`: the sums of dz's columns over its `rows` rows of `columns`, overwriting
    /// `sums`.
    static func columnSums(_ matrix: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Float>) {
        sums.update(repeating: 0, count: columns)
        for m in 0..<rows {
            let row = matrix + m &* columns
            for n in 0..<columns { sums[n] += row[n] }
        }
    }
}

/// A sum of GEMM products over chunks of their depth, accumulated through the epilogue's residual: each chunk's GEMM
/// writes one of two workspace buffers while adding the other, which holds the sum so far, so nothing is re-read for
/// the sum (the weight gradients' chunks of pixels or tiles).
struct ChunkSums {
    private let buffers: [TensorStorage]
    private var chunks = 0

    init(count: Int, workspace: Workspace) {
        buffers = [workspace.storage(for: .sum, count: count), workspace.storage(for: .otherSum, count: count)]
    }

    /// Where the next chunk's product goes, and the sum of the chunks before it for its epilogue to add (nil for the first).
    mutating func nextChunk() -> (product: UnsafeMutablePointer<Float>, sumSoFar: UnsafePointer<Float>?) {
        defer { chunks += 1 }
        return (buffers[chunks % 2].base, chunks == 0 ? nil : UnsafePointer(buffers[(chunks + 1) % 2].base))
    }

    /// The sum of every chunk's product (the buffers stay the workspace's: valid until its next weight gradient).
    var total: UnsafeMutablePointer<Float> { buffers[(chunks + 1) % 2].base }
}

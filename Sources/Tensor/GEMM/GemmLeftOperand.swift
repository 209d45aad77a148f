internal import CKernels

/// The left GEMM operand A (M x K), described by where each row's values for a depth block live rather
/// than as a materialised matrix. A plain matrix, a 1x1 convolution and the implicit im2col of a KxK
/// convolution all fit: the GEMM driver asks for one pointer per (row, depth block) and never needs the
/// full im2col matrix.
protocol GemmLeftOperand: Sendable {
    /// M.
    var rows: Int { get }
    /// K.
    var depth: Int { get }
    /// K is cut into blocks, each contiguous in memory for every row and at most `GemmTile.maxDepth` long.
    var depthBlockCount: Int { get }
    /// Where block `index` starts in K and how long it is.
    func depthBlock(_ index: Int) -> (start: Int, count: Int)
    /// Floats of per-worker scratch needed to serve a row block of `blockRows` rows (0 if read in place).
    func scratchCount(blockRows: Int) -> Int
    /// Called once per row block, before its row pointers are requested.
    func prepare(rows: Range<Int>, scratch: UnsafeMutablePointer<Float>)
    /// Writes, for each row of `rows` (the prepared row block), where its `depthBlock(block).count` values
    /// start; `zeros` stands in for rows that are entirely padding. One call per block lets an operand walk
    /// the rows incrementally instead of decoding each row index.
    func rowPointers(block: Int, rows: Range<Int>, scratch: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>,
                     into table: UnsafeMutablePointer<UnsafePointer<Float>>)
    /// In how many equal runs each row's depth block lies (1: one contiguous run). With more, `rowPointers` writes one
    /// list of row pointers per run, run s's at `table + s * roundUp(rows.count, GemmTile.rows)`.
    var segments: Int { get }
}

extension GemmLeftOperand {
    var segments: Int { 1 }
}

/// A left operand whose rows hold their whole depth in one run (in place or in the worker's scratch), cut into
/// depth blocks of `GemmTile.maxDepth`.
protocol ContiguousDepthOperand: GemmLeftOperand {}

extension ContiguousDepthOperand {
    var depthBlockCount: Int { (depth + GemmTile.maxDepth - 1) / GemmTile.maxDepth }

    func depthBlock(_ index: Int) -> (start: Int, count: Int) {
        let start = index &* GemmTile.maxDepth
        return (start, min(GemmTile.maxDepth, depth &- start))
    }
}

/// A row-major matrix read in place (Dense inputs, 1x1 stride-1 convolutions over NHWC pixels).
struct MatrixOperand: ContiguousDepthOperand, @unchecked Sendable {
    let base: UnsafePointer<Float>
    let rows: Int
    let depth: Int
    /// Floats between consecutive rows.
    let stride: Int

    func scratchCount(blockRows: Int) -> Int { 0 }
    func prepare(rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {}

    func rowPointers(block: Int, rows: Range<Int>, scratch: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>,
                     into table: UnsafeMutablePointer<UnsafePointer<Float>>) {
        var row = base + (rows.lowerBound &* stride &+ block &* GemmTile.maxDepth)
        for r in 0..<rows.count {
            table[r] = row
            row += stride
        }
    }
}

/// A left operand that writes each row block into the worker's scratch in `prepare`, row after row, each its whole depth
/// long, and is read from there.
protocol ScratchRowsOperand: ContiguousDepthOperand {}

extension ScratchRowsOperand {
    func scratchCount(blockRows: Int) -> Int { blockRows &* depth }

    func rowPointers(block: Int, rows: Range<Int>, scratch: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>,
                     into table: UnsafeMutablePointer<UnsafePointer<Float>>) {
        var row = UnsafePointer(scratch + block &* GemmTile.maxDepth)
        for r in 0..<rows.count {
            table[r] = row
            row += depth
        }
    }

    /// Prepares every row into `matrix`, `depth` floats apart, the rows split between the workers.
    func prepareAll(into matrix: UnsafeMutablePointer<Float>) {
        let target = SendablePointer(matrix)
        splitAcrossWorkers(rows, granule: 1, parallelFrom: 1) { range in
            prepare(rows: range, scratch: target.pointer + range.lowerBound &* depth)
        }
    }
}

/// A matrix stored transposed, read as the left operand: A's row `m`, column `k` is `base[k * stride + m]` (the
/// Winograd weight gradient's V^T, whose input transform writes V one tile, a row of V, at a time). Each row block is
/// transposed into the worker's scratch once, before its depth blocks are read (`zoo_transpose`, 8 x 8 blocks in
/// registers: one value at a time, the transpose took more than a third of each GEMM call, in a profile of VGG's
/// block 5 kernel gradient).
struct TransposedMatrixOperand: ScratchRowsOperand, @unchecked Sendable {
    let base: UnsafePointer<Float>
    let rows: Int
    let depth: Int
    /// Floats between A's consecutive columns in the source (the stored matrix's row length).
    let stride: Int

    func prepare(rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
        zoo_transpose(base + rows.lowerBound, Int64(stride), Int64(depth), Int64(rows.count), scratch, Int64(depth))
    }
}

/// NHWC pixels (rows of `depth` channels) normalised and activated on their way into the GEMM: a pointwise
/// convolution's pre-activation (`Conv2D.PreActivation`, DenseNet's `BatchNormalization -> ReLU` before each 1x1
/// convolution). Each row block is normalised into the worker's scratch once, before its depth blocks are read, so the
/// normalised map is neither written out whole nor read back; as a step of its own (one thread, one pass over the map)
/// it took 2.1 of DenseNet121's 14.9 ms at batch 1.
struct NormalizedMatrixOperand: ScratchRowsOperand, @unchecked Sendable {
    let base: UnsafePointer<Float>
    let rows: Int
    let depth: Int
    let preActivation: Conv2D.PreActivation

    func prepare(rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
        preActivation.norm.normalizeRows(base + rows.lowerBound &* depth, stride: depth, rows: rows.count, into: scratch,
                                         activation: preActivation.activation)
    }
}

/// NHWC pixels (rows of `depth` channels) multiplied by their image's factors on their way into the GEMM: a pointwise
/// convolution's input gate (`Conv2D.forward`'s `inputScale`, EfficientNet's squeeze-and-excitation `multiply`) on a map
/// with fewer pixels than the convolution has filters, where scaling the kernel would cost more. Each row block is
/// scaled into the worker's scratch once, before its depth blocks are read: the product the `multiply` layer computes,
/// so the GEMM reads the same values, without a pass of its own over the map.
struct GatedMatrixOperand: ScratchRowsOperand, @unchecked Sendable {
    let base: UnsafePointer<Float>
    let rows: Int
    let depth: Int
    /// One factor per image and channel, `depth` floats per image.
    let gate: UnsafePointer<Float>
    let pixelsPerImage: Int

    func prepare(rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
        for row in rows {
            let offset = row &* depth
            combineVectors(base + offset, gate + row / pixelsPerImage &* depth, into: scratch + (offset &- rows.lowerBound &* depth),
                           count: depth) { $0 * $1 }
        }
    }
}

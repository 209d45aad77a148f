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
    /// Called once per row block, before any of its row pointers is requested.
    func prepare(rows: Range<Int>, scratch: UnsafeMutablePointer<Float>)
    /// The `depthBlock(block).count` values of row `row` in depth block `block`, or nil when they are all
    /// zero (convolution padding). `blockStart` is the first row of the prepared row block.
    func rowPointer(row: Int, block: Int, blockStart: Int, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float>?
}

/// A row-major matrix read in place (Dense inputs, 1x1 stride-1 convolutions over NHWC pixels).
struct MatrixOperand: GemmLeftOperand, @unchecked Sendable {
    let base: UnsafePointer<Float>
    let rows: Int
    let depth: Int
    /// Floats between consecutive rows.
    let stride: Int

    var depthBlockCount: Int { (depth + GemmTile.maxDepth - 1) / GemmTile.maxDepth }

    func depthBlock(_ index: Int) -> (start: Int, count: Int) {
        let start = index &* GemmTile.maxDepth
        return (start, min(GemmTile.maxDepth, depth &- start))
    }

    func scratchCount(blockRows: Int) -> Int { 0 }
    func prepare(rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {}

    @inline(__always)
    func rowPointer(row: Int, block: Int, blockStart: Int, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float>? {
        base + (row &* stride &+ block &* GemmTile.maxDepth)
    }
}

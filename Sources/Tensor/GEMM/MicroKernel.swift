internal import CKernels

/// The register tiles of the GEMM: up to `GemmTile.rows` x `GemmTile.columns` (6 x 32) outputs held in registers
/// while the depth loop runs. Per depth step a tile loads the packed B panel's row and broadcasts one element of each A
/// row, then issues the fused multiply-adds. One call computes a column of tiles, one under another, on one panel slice.
/// The tiles live in the C target `CKernels` (KernelBody.h), compiled once per instruction set; `KernelPath` says which
/// one runs here.
///
/// - Parameters:
///   - count: tiles, one under another, 6 rows each but the last.
///   - lastRows: rows of the last tile (1 to 6, or 7 up to `GemmTile.longestRows`).
///   - columnCount: columns of the tiles to read, finish and store (1 to 32): fewer in a layer's last panel when its
///     outputs are not a multiple of 32.
///   - depth: steps of the reduction (k) in this call.
///   - rows: one pointer per output row, each to `depth` consecutive floats of its A row.
///   - panel: the packed B panel slice, `depth` rows of `GemmTile.columns` floats.
///   - output: the top-left output element; rows are `outputStride` floats apart.
///   - accumulate: add to `output` (later depth blocks) instead of overwriting it (the first block).
///   - finish: after the last depth block, the bias, residual and activation to apply in registers before the
///     only store (saves a pass over the tiles); nil otherwise.
///   - prefetch: the panel slice the caller multiplies next, to bring into L2 while the first tile runs, or nil.
///   - segments: runs of `depth` steps each row reads, row r's run s at `rows[s * segmentStride + r]` (1: one run).
@inline(__always)
func multiplyTiles(count: Int, lastRows: Int, columnCount: Int, depth: Int, rows: UnsafePointer<UnsafePointer<Float>>,
                   panel: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool,
                   finish: TileFinish?, prefetch: UnsafePointer<Float>?, segments: Int, segmentStride: Int) {
    func multiply(_ finish: UnsafePointer<TileFinish>?) {
        zoo_gemm_tiles(Int64(count), Int64(lastRows), Int64(segments), Int64(depth), rows, Int64(segmentStride), panel, output,
                       Int64(outputStride), Int64(columnCount), accumulate, finish, prefetch)
    }
    if var finish { multiply(&finish) } else { multiply(nil) }
}

/// The epilogue of the register tiles, applied by `multiplyTiles` in registers: bias, residual, then the activation.
typealias TileFinish = zoo_tile_finish

@inline(__always) func load16(_ pointer: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always) func load16(_ pointer: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always) func store16(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD16<Float>.self)
}

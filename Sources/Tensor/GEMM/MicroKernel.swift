internal import CKernels

/// The register tile of the GEMM: up to `GemmTile.rows` x `GemmTile.columns` (6 x 32) outputs held in registers
/// while the depth loop runs. Per depth step it loads the packed B panel's row and broadcasts one element of each A
/// row, then issues the fused multiply-adds. The tile lives in the C target `CKernels` (KernelBody.h), compiled
/// once per instruction set; `KernelPath` says which one runs here.
///
/// - Parameters:
///   - columnCount: columns of the tile to read, finish and store (1 to 32): fewer in a layer's last panel when its
///     outputs are not a multiple of 32.
///   - rowCount: rows of the tile to compute (1 to 6, or 7 up to `GemmTile.longestRows`); a row block's last tile may have fewer than 6, or 7.
///   - depth: steps of the reduction (k) in this call.
///   - rows: `rowCount` pointers, each to `depth` consecutive floats of one A row.
///   - panel: the packed B panel, `depth` rows of `GemmTile.columns` floats.
///   - output: the top-left output element; rows are `outputStride` floats apart.
///   - accumulate: add to `output` (later depth blocks) instead of overwriting it (the first block).
///   - finish: after the last depth block, the bias, residual and ReLU to apply in registers before the
///     only store (saves a pass over the tile); nil otherwise.
///   - prefetch: the panel slice the caller multiplies next, to bring into L2 while this tile runs, or nil.
///   - segments: runs of `depth` steps each row reads, row r's run s at `rows[s * segmentStride + r]` (1: one run).
@inline(__always)
func multiplyTile(rowCount: Int = GemmTile.rows, columnCount: Int = GemmTile.columns, depth: Int, rows: UnsafePointer<UnsafePointer<Float>>,
                  panel: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool,
                  finish: TileFinish? = nil, prefetch: UnsafePointer<Float>? = nil, segments: Int = 1, segmentStride: Int = 0) {
    func multiply(_ finish: UnsafePointer<TileFinish>?) {
        if segments == 1 {
            zoo_gemm_tile(Int64(rowCount), Int64(depth), rows, panel, output, Int64(outputStride), Int64(columnCount), accumulate, finish,
                          prefetch)
        } else {
            zoo_gemm_tile_segmented(Int64(rowCount), Int64(segments), Int64(depth), rows, Int64(segmentStride), panel, output,
                                    Int64(outputStride), Int64(columnCount), accumulate, finish, prefetch)
        }
    }
    if var finish { multiply(&finish) } else { multiply(nil) }
}

/// The epilogue of a full register tile, applied by `multiplyTile` in registers: bias, residual, then ReLU.
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

/// How a convolution's implicit GEMM operand cuts its depth, which walks the kernel taps with `channels`
/// floats per tap, into depth blocks: each tap's channels in equal chunks of at most `GemmTile.maxDepth`, so a
/// block is one contiguous channel run of one tap's row.
struct TapChunks {
    let channels: Int
    let perTap: Int
    let length: Int

    init(channels: Int) {
        self.channels = channels
        perTap = (channels + GemmTile.maxDepth - 1) / GemmTile.maxDepth
        length = (channels + perTap - 1) / perTap
    }

    func blockCount(taps: Int) -> Int { taps &* perTap }

    /// Depth block `index`: its tap, the first channel it covers, and where it starts in K and how long it is.
    @inline(__always)
    func block(_ index: Int) -> (tap: Int, channel: Int, start: Int, count: Int) {
        let (tap, chunk) = index.quotientAndRemainder(dividingBy: perTap)
        let first = chunk &* length
        return (tap, first, tap &* channels &+ first, min(length, channels &- first))
    }
}

/// A convolution operand read in place whose depth is the kernel taps times `chunks.channels`: the depth blocks
/// and the (absent) scratch follow from its chunks and window geometry.
protocol TapChunkedOperand: GemmLeftOperand {
    var geometry: WindowGeometry { get }
    var chunks: TapChunks { get }
}

extension TapChunkedOperand {
    var taps: Int { geometry.rows.kernel &* geometry.columns.kernel }
    var depth: Int { taps &* chunks.channels }
    var depthBlockCount: Int { chunks.blockCount(taps: taps) }

    func depthBlock(_ index: Int) -> (start: Int, count: Int) {
        let block = chunks.block(index)
        return (block.start, block.count)
    }

    func scratchCount(blockRows: Int) -> Int { 0 }
    func prepare(rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {}
}

/// Calls `body(n, row, column)` for the flat pixel indices `pixels` of a batch of `height` x `width` maps, in
/// order, dividing only for the first one.
@inline(__always)
func walkPixels(_ pixels: Range<Int>, height: Int, width: Int, _ body: (Int, Int, Int) -> Void) {
    let (imageIndex, pixelIndex) = pixels.lowerBound.quotientAndRemainder(dividingBy: height &* width)
    var (n, (row, column)) = (imageIndex, pixelIndex.quotientAndRemainder(dividingBy: width))
    for _ in pixels {
        body(n, row, column)
        column &+= 1
        if column == width {
            column = 0
            row &+= 1
            if row == height { row = 0; n &+= 1 }
        }
    }
}

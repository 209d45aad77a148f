/// The implicit im2col matrix of a convolution as a GEMM left operand: row `m` is output pixel
/// (n, oh, ow), and K walks the kernel taps (i, j) with the input channels fastest, matching the HWIO
/// weight layout. Each (row, tap) is one input pixel's channel vector, read in place from the NHWC input,
/// so nothing is copied; taps that land in the padding read as zeros.
struct ConvolutionOperand: GemmLeftOperand, @unchecked Sendable {
    let input: UnsafePointer<Float>
    let image: ImageShape
    let geometry: WindowGeometry
    /// Input channels per depth block: a tap's channels split into equal chunks of at most `maxDepth`.
    let chunkLength: Int
    let chunksPerTap: Int

    init(input: UnsafePointer<Float>, image: ImageShape, geometry: WindowGeometry) {
        self.input = input
        self.image = image
        self.geometry = geometry
        chunksPerTap = (image.channels + GemmTile.maxDepth - 1) / GemmTile.maxDepth
        chunkLength = (image.channels + chunksPerTap - 1) / chunksPerTap
    }

    var rows: Int { image.batch &* geometry.rows.output &* geometry.columns.output }
    var taps: Int { geometry.rows.kernel &* geometry.columns.kernel }
    var depth: Int { taps &* image.channels }
    var depthBlockCount: Int { taps &* chunksPerTap }

    func depthBlock(_ index: Int) -> (start: Int, count: Int) {
        let (tap, chunk) = index.quotientAndRemainder(dividingBy: chunksPerTap)
        let first = chunk &* chunkLength
        return (tap &* image.channels &+ first, min(chunkLength, image.channels &- first))
    }

    func scratchCount(blockRows: Int) -> Int { 0 }
    func prepare(rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {}

    @inline(__always)
    func rowPointer(row: Int, block: Int, blockStart: Int, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float>? {
        let (tap, chunk) = block.quotientAndRemainder(dividingBy: chunksPerTap)
        return pixel(row: row, tap: tap).map { $0 + chunk &* chunkLength }
    }

    /// The channel vector that output pixel `row` reads at kernel tap `tap`, or nil in the padding.
    @inline(__always)
    func pixel(row: Int, tap: Int) -> UnsafePointer<Float>? {
        let outputWidth = geometry.columns.output
        let (imageIndex, pixelIndex) = row.quotientAndRemainder(dividingBy: geometry.rows.output &* outputWidth)
        let (outputRow, outputColumn) = pixelIndex.quotientAndRemainder(dividingBy: outputWidth)
        let (tapRow, tapColumn) = tap.quotientAndRemainder(dividingBy: geometry.columns.kernel)
        let inputRow = geometry.rows.inputIndex(output: outputRow, tap: tapRow)
        let inputColumn = geometry.columns.inputIndex(output: outputColumn, tap: tapColumn)
        guard inputRow >= 0, inputRow < image.height, inputColumn >= 0, inputColumn < image.width else { return nil }
        return input + ((imageIndex &* image.height &+ inputRow) &* image.width &+ inputColumn) &* image.channels
    }
}

/// For convolutions with few input channels (an RGB stem: 3 channels, so a tap is 3 floats deep), whole
/// im2col rows are gathered per row block into worker scratch, so the GEMM sees deep depth blocks
/// (27 or 147) instead of one short block per tap. Only one row block is materialised at a time.
struct Im2ColTileOperand: GemmLeftOperand, @unchecked Sendable {
    let convolution: ConvolutionOperand

    var rows: Int { convolution.rows }
    var depth: Int { convolution.depth }
    var depthBlockCount: Int { (depth + GemmTile.maxDepth - 1) / GemmTile.maxDepth }

    func depthBlock(_ index: Int) -> (start: Int, count: Int) {
        let start = index &* GemmTile.maxDepth
        return (start, min(GemmTile.maxDepth, depth &- start))
    }

    func scratchCount(blockRows: Int) -> Int { blockRows * depth }

    func prepare(rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
        let channels = convolution.image.channels
        for row in rows {
            var destination = scratch + (row &- rows.lowerBound) &* depth
            for tap in 0..<convolution.taps {
                if let source = convolution.pixel(row: row, tap: tap) {
                    destination.update(from: source, count: channels)
                } else {
                    destination.update(repeating: 0, count: channels)
                }
                destination += channels
            }
        }
    }

    @inline(__always)
    func rowPointer(row: Int, block: Int, blockStart: Int, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float>? {
        UnsafePointer(scratch + ((row &- blockStart) &* depth &+ block &* GemmTile.maxDepth))
    }
}

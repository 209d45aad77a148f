/// The implicit im2col matrix of a convolution as a GEMM left operand: row `m` is output pixel
/// (n, oh, ow), and K walks the kernel taps (i, j) with the input channels fastest, matching the HWIO
/// weight layout. Each (row, tap) is one input pixel's channel vector, read in place from the NHWC input,
/// so nothing is copied; taps that land in the padding read as zeros. A grouped convolution reads one
/// group's run of channels (`channels`) of each pixel.
struct ConvolutionOperand: TapChunkedOperand, @unchecked Sendable {
    let input: UnsafePointer<Float>
    let image: ImageShape
    let geometry: WindowGeometry
    /// The input channels each tap reads: all of them, or one group's.
    let channels: Range<Int>
    /// Depth blocks: chunks of each tap's input channels.
    let chunks: TapChunks

    init(input: UnsafePointer<Float>, image: ImageShape, geometry: WindowGeometry, channels: Range<Int>? = nil) {
        self.input = input
        self.image = image
        self.geometry = geometry
        self.channels = channels ?? 0..<image.channels
        chunks = TapChunks(channels: self.channels.count)
    }

    /// Whether each tap reads whole pixels, so that adjacent input pixels' channels are adjacent in K too.
    var readsWholePixels: Bool { channels.count == image.channels }

    var rows: Int { image.batch &* geometry.rows.output &* geometry.columns.output }

    func rowPointers(block: Int, rows: Range<Int>, scratch: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>,
                     into table: UnsafeMutablePointer<UnsafePointer<Float>>) {
        let (tap, channelOffset, _, _) = chunks.block(block)
        let (tapRow, tapColumn) = tap.quotientAndRemainder(dividingBy: geometry.columns.kernel)
        var r = 0
        forEachPixel(rows) { imageIndex, outputRow, outputColumn in
            table[r] = pixel(imageIndex, outputRow, outputColumn, tapRow: tapRow, tapColumn: tapColumn).map { $0 + channelOffset } ?? zeros
            r &+= 1
        }
    }

    /// Calls `body(n, oh, ow)` for the output pixels of `rows` in order.
    @inline(__always)
    func forEachPixel(_ rows: Range<Int>, _ body: (Int, Int, Int) -> Void) {
        walkPixels(rows, height: geometry.rows.output, width: geometry.columns.output, body)
    }

    /// The channel vector (`channels` of it) that output pixel (n, oh, ow) reads at kernel tap (i, j), or nil in the padding.
    @inline(__always)
    func pixel(_ n: Int, _ outputRow: Int, _ outputColumn: Int, tapRow: Int, tapColumn: Int) -> UnsafePointer<Float>? {
        let inputRow = geometry.rows.inputIndex(output: outputRow, tap: tapRow)
        let inputColumn = geometry.columns.inputIndex(output: outputColumn, tap: tapColumn)
        guard inputRow >= 0, inputRow < image.height, inputColumn >= 0, inputColumn < image.width else { return nil }
        return input + (((n &* image.height &+ inputRow) &* image.width &+ inputColumn) &* image.channels &+ channels.lowerBound)
    }
}

/// For convolutions with few input channels (an RGB stem: 3 channels, so a tap is 3 floats deep), whole
/// im2col rows are gathered per row block into worker scratch, so the GEMM sees deep depth blocks
/// (27 or 147) instead of one short block per tap. Only one row block is materialised at a time.
struct Im2ColTileOperand: ContiguousDepthOperand, @unchecked Sendable {
    let convolution: ConvolutionOperand

    var rows: Int { convolution.rows }
    var depth: Int { convolution.depth }

    func scratchCount(blockRows: Int) -> Int { blockRows * depth }

    /// Gathers the im2col rows of the block. Without dilation the taps of one kernel row are adjacent input
    /// pixels, so when the taps read whole pixels each kernel row is one contiguous copy of its in-bounds span
    /// plus zeros for the padding; otherwise (dilation, or one group's channels) each tap is copied on its own.
    func prepare(rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
        let geometry = convolution.geometry, image = convolution.image
        let channels = convolution.channels.count, kernelWidth = geometry.columns.kernel
        let contiguous = geometry.columns.dilation == 1 && convolution.readsWholePixels
        var destination = scratch
        convolution.forEachPixel(rows) { n, outputRow, outputColumn in
            for tapRow in 0..<geometry.rows.kernel {
                if contiguous {
                    let firstColumn = geometry.columns.inputIndex(output: outputColumn, tap: 0)
                    let skipped = min(max(-firstColumn, 0), kernelWidth)
                    let kept = max(min(image.width &- firstColumn, kernelWidth) &- skipped, 0)
                    let inputRow = geometry.rows.inputIndex(output: outputRow, tap: tapRow)
                    if inputRow >= 0, inputRow < image.height, kept > 0 {
                        destination.update(repeating: 0, count: skipped &* channels)
                        let source = convolution.input + ((n &* image.height &+ inputRow) &* image.width &+ firstColumn &+ skipped) &* channels
                        (destination + skipped &* channels).update(from: source, count: kept &* channels)
                        (destination + (skipped &+ kept) &* channels).update(repeating: 0, count: (kernelWidth &- skipped &- kept) &* channels)
                    } else {
                        destination.update(repeating: 0, count: kernelWidth &* channels)
                    }
                    destination += kernelWidth &* channels
                } else {
                    for tapColumn in 0..<kernelWidth {
                        if let source = convolution.pixel(n, outputRow, outputColumn, tapRow: tapRow, tapColumn: tapColumn) {
                            destination.update(from: source, count: channels)
                        } else {
                            destination.update(repeating: 0, count: channels)
                        }
                        destination += channels
                    }
                }
            }
        }
    }

    func rowPointers(block: Int, rows: Range<Int>, scratch: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>,
                     into table: UnsafeMutablePointer<UnsafePointer<Float>>) {
        var row = UnsafePointer(scratch + block &* GemmTile.maxDepth)
        for r in 0..<rows.count {
            table[r] = row
            row += depth
        }
    }
}

/// An RGB stem's im2col read in place: with undilated columns and whole pixels, each output pixel's window is `kernel
/// height` runs of `kernel width x channels` adjacent floats, one per kernel row, each lying in one row of the image. The
/// GEMM tile walks them as the segments of its depth (`zoo_gemm_tile_segmented`), in the order of K, so the sums are
/// the gathered im2col's. Only a run that crosses the image's left or right edge is copied, with its zeros, into the
/// worker's scratch; a run wholly in the padding reads the zero row. (Gathering every window into scratch took as long
/// as the stem's arithmetic: MobileNetV2's 3x3 stem has a depth of 27.) The window must fit one depth block.
struct KernelRowOperand: GemmLeftOperand, @unchecked Sendable {
    let convolution: ConvolutionOperand

    /// Whether `convolution` can be read this way.
    static func fits(_ convolution: ConvolutionOperand) -> Bool {
        convolution.geometry.columns.dilation == 1 && convolution.readsWholePixels && convolution.depth <= GemmTile.maxDepth
    }

    var rows: Int { convolution.rows }
    var depth: Int { convolution.depth }
    var depthBlockCount: Int { 1 }
    var segments: Int { convolution.geometry.rows.kernel }

    func depthBlock(_ index: Int) -> (start: Int, count: Int) { (0, depth) }

    /// Room for every run of the row block, should all of them cross an edge.
    func scratchCount(blockRows: Int) -> Int { blockRows * depth }

    func prepare(rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {}

    func rowPointers(block: Int, rows: Range<Int>, scratch: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>,
                     into table: UnsafeMutablePointer<UnsafePointer<Float>>) {
        let geometry = convolution.geometry, image = convolution.image
        let channels = image.channels, kernelWidth = geometry.columns.kernel, run = kernelWidth &* channels
        let segmentStride = roundUp(rows.count, to: GemmTile.rows)
        var r = 0, edgeRun = scratch
        convolution.forEachPixel(rows) { n, outputRow, outputColumn in
            let firstColumn = geometry.columns.inputIndex(output: outputColumn, tap: 0)
            let skipped = min(max(-firstColumn, 0), kernelWidth)
            let kept = max(min(image.width &- firstColumn, kernelWidth) &- skipped, 0)
            for tapRow in 0..<geometry.rows.kernel {
                let slot = table + (tapRow &* segmentStride &+ r)
                let inputRow = geometry.rows.inputIndex(output: outputRow, tap: tapRow)
                guard inputRow >= 0, inputRow < image.height, kept > 0 else {
                    slot.pointee = zeros
                    continue
                }
                let source = convolution.input + ((n &* image.height &+ inputRow) &* image.width &+ firstColumn &+ skipped) &* channels
                guard kept < kernelWidth else {
                    slot.pointee = source
                    continue
                }
                edgeRun.update(repeating: 0, count: skipped &* channels)
                (edgeRun + skipped &* channels).update(from: source, count: kept &* channels)
                (edgeRun + (skipped &+ kept) &* channels).update(repeating: 0, count: (kernelWidth &- skipped &- kept) &* channels)
                slot.pointee = UnsafePointer(edgeRun)
                edgeRun += run
            }
            r &+= 1
        }
    }
}

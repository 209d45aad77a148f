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

    /// For undilated windows of whole pixels, where a kernel row of output column `outputColumn`'s window meets the
    /// image: `skipped` pixels of padding on the left, then `kept` pixels inside from input column `firstColumn + skipped`
    /// on, then padding to the kernel's width.
    @inline(__always)
    func kernelRowSpan(outputColumn: Int) -> KernelRowSpan {
        let kernelWidth = geometry.columns.kernel
        let firstColumn = geometry.columns.inputIndex(output: outputColumn, tap: 0)
        let skipped = min(max(-firstColumn, 0), kernelWidth)
        return KernelRowSpan(firstColumn: firstColumn, skipped: skipped, kept: max(min(image.width &- firstColumn, kernelWidth) &- skipped, 0))
    }

    /// The first pixel inside the image of kernel row `tapRow` of pixel (n, oh, ow)'s window (`span`, its columns), or
    /// nil when the whole kernel row lies in the padding.
    @inline(__always)
    func kernelRowStart(_ n: Int, _ outputRow: Int, tapRow: Int, _ span: KernelRowSpan) -> UnsafePointer<Float>? {
        let inputRow = geometry.rows.inputIndex(output: outputRow, tap: tapRow)
        guard inputRow >= 0, inputRow < image.height, span.kept > 0 else { return nil }
        return input + ((n &* image.height &+ inputRow) &* image.width &+ span.firstColumn &+ span.skipped) &* image.channels
    }

    /// Writes a kernel row (kernel width x channels floats) to `target`: zeros for the padding, the `span.kept` pixels at
    /// `start` (nil: all padding) between them.
    @inline(__always)
    func writeKernelRow(from start: UnsafePointer<Float>?, _ span: KernelRowSpan, to target: UnsafeMutablePointer<Float>) {
        let channels = image.channels, width = geometry.columns.kernel
        guard let start else {
            target.update(repeating: 0, count: width &* channels)
            return
        }
        target.update(repeating: 0, count: span.skipped &* channels)
        (target + span.skipped &* channels).update(from: start, count: span.kept &* channels)
        (target + (span.skipped &+ span.kept) &* channels).update(repeating: 0, count: (width &- span.skipped &- span.kept) &* channels)
    }
}

/// Where one kernel row of a window lies across the image's columns (`ConvolutionOperand.kernelRowSpan`).
struct KernelRowSpan {
    let firstColumn: Int, skipped: Int, kept: Int
}

/// For convolutions with few input channels (an RGB stem: 3 channels, so a tap is 3 floats deep), whole
/// im2col rows are gathered per row block into worker scratch, so the GEMM sees deep depth blocks
/// (27 or 147) instead of one short block per tap. Only one row block is materialised at a time.
struct Im2ColTileOperand: ScratchRowsOperand, @unchecked Sendable {
    let convolution: ConvolutionOperand

    var rows: Int { convolution.rows }
    var depth: Int { convolution.depth }

    /// Gathers the im2col rows of the block. Without dilation the taps of one kernel row are adjacent input
    /// pixels, so when the taps read whole pixels each kernel row is one contiguous copy of its in-bounds span
    /// plus zeros for the padding; otherwise (dilation, or one group's channels) each tap is copied on its own.
    func prepare(rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
        let geometry = convolution.geometry
        let channels = convolution.channels.count, kernelWidth = geometry.columns.kernel
        let contiguous = geometry.columns.dilation == 1 && convolution.readsWholePixels
        var destination = scratch
        convolution.forEachPixel(rows) { n, outputRow, outputColumn in
            let span = contiguous ? convolution.kernelRowSpan(outputColumn: outputColumn) : nil
            for tapRow in 0..<geometry.rows.kernel {
                if let span {
                    convolution.writeKernelRow(from: convolution.kernelRowStart(n, outputRow, tapRow: tapRow, span), span, to: destination)
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
}

/// An RGB stem's im2col read in place: with undilated columns and whole pixels, each output pixel's window is `kernel
/// height` runs of `kernel width x channels` adjacent floats, one per kernel row, each lying in one row of the image. The
/// GEMM tile walks them as the segments of its depth (`zoo_gemm_tiles` with `segments`), in the order of K, so the sums are
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
        let geometry = convolution.geometry, kernelWidth = geometry.columns.kernel
        let segmentStride = roundUp(rows.count, to: GemmTile.rows)
        var r = 0, edgeRun = scratch
        convolution.forEachPixel(rows) { n, outputRow, outputColumn in
            let span = convolution.kernelRowSpan(outputColumn: outputColumn)
            for tapRow in 0..<geometry.rows.kernel {
                let slot = table + (tapRow &* segmentStride &+ r)
                let start = convolution.kernelRowStart(n, outputRow, tapRow: tapRow, span)
                if start != nil, span.kept < kernelWidth {
                    // Crosses the left or right edge: copied with its zeros.
                    convolution.writeKernelRow(from: start, span, to: edgeRun)
                    slot.pointee = UnsafePointer(edgeRun)
                    edgeRun += kernelWidth &* convolution.image.channels
                } else {
                    slot.pointee = start ?? zeros
                }
            }
            r &+= 1
        }
    }
}

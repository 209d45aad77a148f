/// The left GEMM operand of a convolution's input gradient, `dx = col2im(dz W^T)` computed without the
/// scatter: row `m` is input pixel (n, ih, iw), and K walks the kernel taps (i, j) with the output channels
/// fastest. Input pixel (ih, iw) received tap (i, j) from output pixel (oh, ow) when
/// `oh * stride + i * dilation - padBefore == ih` (and the same for columns), so its row at that tap is
/// dz's channel vector at (oh, ow), read in place; taps that no output pixel sent (strides skip them, or
/// they fall outside the output) read as zeros. Multiplied by the kernel packed as `(kh*kw*out, in)`
/// (`W^T` per tap), each input pixel sums exactly the products that reached it: the transposed
/// convolution, for any stride, dilation and TF padding. A group of a grouped convolution reads its own run of dz's
/// channels (`channels`) only.
struct InputGradientOperand: TapChunkedOperand, @unchecked Sendable {
    let outputGradient: UnsafePointer<Float>
    /// The convolution's input (whose gradient this computes).
    let image: ImageShape
    let geometry: WindowGeometry
    /// dz's channels per pixel.
    let outputChannels: Int
    /// The channels of dz each tap reads: all of them, or one group's.
    let channels: Range<Int>
    /// Depth blocks: chunks of each tap's output channels.
    let chunks: TapChunks

    init(outputGradient: UnsafePointer<Float>, image: ImageShape, geometry: WindowGeometry, outputChannels: Int, channels: Range<Int>? = nil) {
        self.outputGradient = outputGradient
        self.image = image
        self.geometry = geometry
        self.outputChannels = outputChannels
        self.channels = channels ?? 0..<outputChannels
        chunks = TapChunks(channels: self.channels.count)
    }

    var rows: Int { image.pixels }

    func rowPointers(block: Int, rows: Range<Int>, scratch: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>,
                     into table: UnsafeMutablePointer<UnsafePointer<Float>>) {
        let (tap, channelOffset, _, _) = chunks.block(block)
        let (tapRow, tapColumn) = tap.quotientAndRemainder(dividingBy: geometry.columns.kernel)
        var r = 0
        walkPixels(rows, height: image.height, width: image.width) { n, inputRow, inputColumn in
            if let row = Self.source(geometry.rows, input: inputRow, tap: tapRow),
               let column = Self.source(geometry.columns, input: inputColumn, tap: tapColumn) {
                let pixel: Int = (n &* geometry.rows.output &+ row) &* geometry.columns.output &+ column
                table[r] = outputGradient + (pixel &* outputChannels &+ channels.lowerBound &+ channelOffset)
            } else {
                table[r] = zeros
            }
            r &+= 1
        }
    }

    /// The output position whose window put tap `tap` on input position `input`, or nil if there is none.
    @inline(__always)
    static func source(_ axis: WindowAxis, input: Int, tap: Int) -> Int? {
        let offset = input &+ axis.padBefore &- tap &* axis.dilation
        guard offset >= 0 else { return nil }
        let (output, remainder) = offset.quotientAndRemainder(dividingBy: axis.stride)
        return remainder == 0 && output < axis.output ? output : nil
    }
}

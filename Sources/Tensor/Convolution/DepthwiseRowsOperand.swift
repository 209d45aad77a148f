/// The output pixels of a depthwise convolution with one filter per channel, read as the left operand of the pointwise
/// convolution after it: a separable convolution (Xception's), or MobileNetV2's `depthwise -> bn -> relu6 -> 1x1 project`
/// fused into one step. Each row block of pixels is computed into the worker's scratch (`DepthwiseConv2D.computeRow`,
/// the code `DepthwiseConv2D.forward` runs) right before its GEMM reads it, so the depthwise map is neither written out
/// whole nor read back, and the two layers take one parallel region instead of two. A row block is any run of pixels:
/// it may start and end inside an image row, and cross from one image to the next.
struct DepthwiseRowsOperand: ScratchRowsOperand, @unchecked Sendable {
    let depthwise: DepthwiseConv2D
    let input: UnsafePointer<Float>
    let image: ImageShape
    let geometry: WindowGeometry

    var rows: Int { image.batch * geometry.rows.output * geometry.columns.output }
    var depth: Int { depthwise.outputChannels }

    /// Reads `input` through `depthwise`, which must have one filter per channel.
    init(_ depthwise: DepthwiseConv2D, input: Tensor) throws {
        precondition(depthwise.depthMultiplier == 1, "the depthwise row kernel takes one filter per channel")
        (image, geometry) = try depthwise.geometry(input)
        self.depthwise = depthwise
        self.input = UnsafePointer(input.pointer)
    }

    func prepare(rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
        let width = geometry.columns.output, imageRows = geometry.rows.output
        var pixel = rows.lowerBound, target = scratch
        while pixel < rows.upperBound {
            let (row, column) = pixel.quotientAndRemainder(dividingBy: width)
            let (n, outputRow) = row.quotientAndRemainder(dividingBy: imageRows)
            let count = min(width - column, rows.upperBound - pixel)
            depthwise.computeRow(outputRow, columns: column..<column + count, of: input + n * image.height * image.width * image.channels,
                                 width: image.width, geometry: geometry, into: target)
            pixel += count
            target += count * depth
        }
    }
}

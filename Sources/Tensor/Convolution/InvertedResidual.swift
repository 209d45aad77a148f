/// MobileNetV2's inverted residual block in one pass: a 1x1 expansion (its BatchNormalization folded, then relu6), then
/// a separable convolution (the depthwise convolution and the 1x1 projection, `SeparableConv2D`) with the block's
/// residual add.
///
/// As two steps, the expansion writes the block's widest map (112x112x96 in block 1, 4.8 MB) for the depthwise stage to
/// read straight back. Here each task takes a band of output rows of one image and walks it row by row:
/// - it expands only the input rows the depthwise window needs next, into a ring of rows in its scratch (a row once,
///   while the window still covers it);
/// - it runs the depthwise row over the ring's rows;
/// - it projects that row straight into the output.
/// The expanded and depthwise values never leave the worker's caches. Each value comes from the code the two steps run
/// (the same GEMM over the same rows, `DepthwiseConv2D.computeRow`), so the outputs are the same bits.
///
/// A band expands once more the rows its window shares with the band above. The block runs as the two steps would,
/// through the workspace, where that would add more than 15% to the expansion, or where the input rows are shorter than
/// 28 pixels: each row's expansion is then too short a GEMM to be worth reading the weights for.
public struct InvertedResidual: Sendable {
    /// The 1x1 stride-1 expansion, with its bias and element-wise activation.
    public let expansion: Conv2D
    /// The depthwise convolution (one filter per channel) and the projection.
    public let block: SeparableConv2D

    public var outputChannels: Int { block.outputChannels }

    public init(expansion: Conv2D, block: SeparableConv2D) throws {
        guard expansion.kernelHeight == 1, expansion.kernelWidth == 1, expansion.strides == (1, 1), expansion.groups == 1,
              expansion.algorithm == .gemm, expansion.zeroPadding == .none, expansion.preActivation == nil,
              expansion.activation.isElementwise, block.activation.isElementwise, block.depthwise.depthMultiplier == 1,
              expansion.outputChannels == block.depthwise.inputChannels else {
            throw TensorError.invalidArgument(operation: "inverted_residual", detail: "the expansion must be an ungrouped 1x1 stride-1 convolution by "
                                              + "GEMM with an element-wise activation, making the \(block.depthwise.inputChannels) channels of a "
                                              + "depthwise stage with one filter per channel")
        }
        self.expansion = expansion
        self.block = block
    }

    /// The input's image shape, the expanded map's, and the depthwise window over the expanded map.
    private func geometry(_ input: Tensor) throws -> (ImageShape, ImageShape, WindowGeometry) {
        let (image, _) = try expansion.geometry(input, operation: "inverted_residual")
        let expanded = ImageShape(batch: image.batch, height: image.height, width: image.width, channels: expansion.outputChannels)
        return (image, expanded, try block.depthwise.window(over: expanded, operation: "inverted_residual"))
    }

    /// `(N, outH, outW, filters)` for an NHWC input shape.
    public func outputShape(for input: Tensor) throws -> [Int] {
        let (image, _, window) = try geometry(input)
        return [image.batch, window.rows.output, window.columns.output, outputChannels]
    }

    /// Computes the block into `output` (shaped by `outputShape(for:)`); `residual`, when given, has the output's shape
    /// and is added by the projection before its activation. Neither may share memory with the output.
    public func forward(_ input: Tensor, into output: Tensor, residual: Tensor? = nil, workspace: Workspace) throws {
        let (image, expanded, window) = try geometry(input)
        try ImageShape(batch: image.batch, height: window.rows.output, width: window.columns.output, channels: outputChannels)
            .requireOutput(output, residual: residual, reading: input, operation: "inverted_residual")
        let workers = Parallelism.workers
        // Bands of output rows: at least two tasks per worker where the batch allows.
        let bandsPerImage = min(window.rows.output, max(1, (2 * workers + image.batch - 1) / image.batch))
        let bandRows = (window.rows.output + bandsPerImage - 1) / bandsPerImage
        let (stride, span) = (window.rows.stride, (block.depthwise.kernelHeight - 1) * window.rows.dilation + 1)
        let expandedRowsPerBand = (bandRows - 1) * stride + span
        guard image.width >= 28, Double(expandedRowsPerBand) <= 1.15 * Double(bandRows * stride),
              case .gemm(let expansionWeights) = expansion.kernel.weights, case .gemm(let projectionWeights) = block.pointwise.kernel.weights else {
            let middle = try Tensor(shape: expanded.dimensions, storage: workspace.storage(for: .expanded, count: expanded.dimensions.reduce(1, *)),
                                    offset: 0)
            try expansion.forward(input, into: middle, workspace: workspace)
            return try block.forward(middle, into: output, residual: residual, workspace: workspace)
        }

        let (width, outputWidth, channels) = (image.width, window.columns.output, expanded.channels)
        let expandedRow = width * channels
        // Per worker: the ring of expanded rows (row r in slot r % span, while the window needs it), which row each
        // slot holds, one depthwise row, and the GEMMs' row pointers.
        let ringBytes = roundUp(span * expandedRow * MemoryLayout<Float>.stride, to: 64)
        let tagBytes = roundUp(span * MemoryLayout<Int>.stride, to: 64)
        let depthwiseBytes = roundUp(outputWidth * channels * MemoryLayout<Float>.stride, to: 64)
        let gemmBytes = max(RowBlockScratch(MatrixOperand(base: input.pointer, rows: width, depth: image.channels, stride: image.channels),
                                            blockRows: GemmTile.maxBlockRows).bytes,
                            RowBlockScratch(MatrixOperand(base: input.pointer, rows: outputWidth, depth: channels, stride: channels),
                                            blockRows: GemmTile.maxBlockRows).bytes)
        let workerBytes = ringBytes + tagBytes + depthwiseBytes + gemmBytes
        let tasks = image.batch * bandsPerImage
        let scratch = SendableRawPointer(workspace.reserve(bytes: workerBytes * min(workers, tasks)))
        let source = SendablePointer(input.pointer), target = SendablePointer(output.pointer)
        let expansionEpilogue = expansion.epilogue(0..<channels, residual: nil)
        let rows = window.rows, depthwise = block.depthwise
        withExtendedLifetime((input.storage, output.storage, residual?.storage)) {
            runTasks(tasks, workers: workers) { worker, task in
                let base = scratch.pointer + worker * workerBytes
                let ring = base.assumingMemoryBound(to: Float.self)
                let tags = (base + ringBytes).assumingMemoryBound(to: Int.self)
                let depthwiseRow = (base + ringBytes + tagBytes).assumingMemoryBound(to: Float.self)
                let gemmScratch = base + ringBytes + tagBytes + depthwiseBytes
                tags.update(repeating: -1, count: span)
                let (n, band) = task.quotientAndRemainder(dividingBy: bandsPerImage)
                let inputImage = UnsafePointer(source.pointer + n * image.height * width * image.channels)
                withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: depthwise.kernelHeight) { inputRows in
                    for outputRow in (band * bandRows)..<min((band + 1) * bandRows, rows.output) {
                        let tapRows = rows.taps(output: outputRow)
                        for tapRow in 0..<depthwise.kernelHeight {
                            guard tapRows.contains(tapRow) else {
                                inputRows[tapRow] = nil
                                continue
                            }
                            let inputRow = rows.inputIndex(output: outputRow, tap: tapRow), slot = inputRow % span
                            if tags[slot] != inputRow {
                                gemmOnThisThread(MatrixOperand(base: inputImage + inputRow * width * image.channels, rows: width, depth: image.channels,
                                                               stride: image.channels),
                                                 expansionWeights[0], output: ring + slot * expandedRow, outputStride: channels,
                                                 epilogue: expansionEpilogue, scratch: gemmScratch)
                                tags[slot] = inputRow
                            }
                            inputRows[tapRow] = UnsafePointer(ring + slot * expandedRow)
                        }
                        depthwise.computeRow(inputRows: UnsafePointer(inputRows.baseAddress!), columns: 0..<outputWidth, width: width,
                                             geometry: window, into: depthwiseRow)
                        let pixel = (n * rows.output + outputRow) * outputWidth
                        gemmOnThisThread(MatrixOperand(base: depthwiseRow, rows: outputWidth, depth: channels, stride: channels),
                                         projectionWeights[0], output: target.pointer + pixel * outputChannels, outputStride: outputChannels,
                                         epilogue: block.pointwise.epilogue(0..<outputChannels, row: pixel, residual: residual),
                                         scratch: gemmScratch)
                    }
                }
            }
        }
    }
}

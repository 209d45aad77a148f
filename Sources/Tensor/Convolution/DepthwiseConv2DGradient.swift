/// The backward pass of `DepthwiseConv2D`: gradients with respect to the input, the kernel and the bias, given dz,
/// the gradient of the pre-activation output. Both are the forward's per-channel multiply-adds, rearranged: the input
/// gradient gathers, for each input pixel, the output pixels whose windows read it (so each task writes its own rows
/// and nothing is zeroed twice); the kernel gradient sums input times output gradient over every pixel.
extension DepthwiseConv2D {
    /// Output rows per partial sum of the kernel gradient (see `weightGradient`).
    static let rowsPerPartialSum = 8

    /// dL/dx `(N, H, W, in)` from dz `(N, outH, outW, in · M)` and the `(kh, kw, in, M)` kernel:
    /// `dx[n,h,w,c] = Σ_{p,q,m} dz[n, i, j, c·M+m] · K[p,q,c,m]` over the (i, j) with `i·sh + p·dh − top = h` and
    /// `j·sw + q·dw − left = w`. Overwrites `inputGradient`.
    public func inputGradient(_ outputGradient: Tensor, kernel: Tensor, into inputGradient: Tensor) throws {
        let (image, geometry) = try gradientGeometry(input: inputGradient, outputGradient: outputGradient, role: "input gradient")
        try kernel.requireShape(self.kernel.shape, operation: "depthwise_conv2d backward", role: "kernel")
        try outputGradient.requireDistinct(from: inputGradient, operation: "depthwise_conv2d backward", role: "output gradient")
        let source = SendablePointer(outputGradient.pointer), target = SendablePointer(inputGradient.pointer)
        let weights = SendablePointer(kernel.pointer)
        let (rows, columns) = (geometry.rows, geometry.columns)
        let (channels, multiplier, outputChannels) = (inputChannels, depthMultiplier, outputChannels)
        let (kernelHeight, kernelWidth) = (kernelHeight, kernelWidth)
        withExtendedLifetime((outputGradient.storage, inputGradient.storage, kernel.storage)) {
            runTasks(image.batch * image.height, workers: Parallelism.workers) { _, task in
                let (n, inputRow) = task.quotientAndRemainder(dividingBy: image.height)
                let gradientImage = source.pointer + n * rows.output * columns.output * outputChannels
                for inputColumn in 0..<image.width {
                    let sum = target.pointer + (task * image.width + inputColumn) * channels
                    sum.update(repeating: 0, count: channels)
                    for tapRow in 0..<kernelHeight {
                        guard let outputRow = rows.outputIndex(input: inputRow, tap: tapRow) else { continue }
                        for tapColumn in 0..<kernelWidth {
                            guard let outputColumn = columns.outputIndex(input: inputColumn, tap: tapColumn) else { continue }
                            let gradient = gradientImage + (outputRow * columns.output + outputColumn) * outputChannels
                            let tap = weights.pointer + (tapRow * kernelWidth + tapColumn) * outputChannels
                            if multiplier == 1 {
                                multiplyAdd(sum, gradient, tap, count: channels)
                            } else {
                                for c in 0..<channels {
                                    var total: Float = 0
                                    for m in 0..<multiplier { total += gradient[c * multiplier + m] * tap[c * multiplier + m] }
                                    sum[c] += total
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// dL/dK `(kh, kw, in, M)`: `Σ_{n,i,j} x[n, i·sh + p·dh − top, j·sw + q·dw − left, c] · dz[n,i,j,c·M+m]`, and
    /// dL/db `(in · M)`, the sum of dz over batch and pixels, from the forward's `input` and dz. Overwrites both;
    /// `biasGradient` nil skips the bias.
    ///
    /// The sums run over every output pixel of the batch (a 112x112 map at batch 16 is 200,000 terms), so they are
    /// taken in three levels, each short: along an output row, over `rowsPerPartialSum` rows, then over those partial
    /// sums in order. The partial sums are the parallel tasks; their number and order depend only on the shapes, so
    /// the result is the same on any number of threads.
    public func weightGradient(input: Tensor, outputGradient: Tensor, kernelGradient: Tensor, biasGradient: Tensor?) throws {
        let (image, geometry) = try gradientGeometry(input: input, outputGradient: outputGradient, role: "input")
        try kernelGradient.requireShape(kernel.shape, operation: "depthwise_conv2d backward", role: "kernel gradient")
        if let biasGradient { try biasGradient.requireShape([outputChannels], operation: "depthwise_conv2d backward", role: "bias gradient") }
        for source in [input, outputGradient] {
            try source.requireDistinct(from: kernelGradient, operation: "depthwise_conv2d backward")
            if let biasGradient { try source.requireDistinct(from: biasGradient, operation: "depthwise_conv2d backward") }
        }
        let (rows, columns) = (geometry.rows, geometry.columns)
        let (channels, multiplier, outputChannels, kernelWidth) = (inputChannels, depthMultiplier, outputChannels, kernelWidth)
        let kernelCount = kernel.count, withBias = biasGradient != nil
        // Per task: its partial sum, then the current row's sum; kernel values first, then the bias.
        let sumLength = kernelCount + outputChannels
        let outputRows = image.batch * rows.output
        let tasks = (outputRows + Self.rowsPerPartialSum - 1) / Self.rowsPerPartialSum
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: tasks * 2 * sumLength)
        defer { sums.deallocate() }
        sums.initialize(repeating: 0, count: tasks * 2 * sumLength)
        let partials = SendablePointer(sums), x = SendablePointer(input.pointer), dz = SendablePointer(outputGradient.pointer)
        withExtendedLifetime((input.storage, outputGradient.storage)) {
            runTasks(tasks, workers: Parallelism.workers) { _, task in
                let partial = partials.pointer + task * 2 * sumLength, rowSum = partial + sumLength
                for outputRowIndex in (task * Self.rowsPerPartialSum)..<min(outputRows, (task + 1) * Self.rowsPerPartialSum) {
                    let (n, outputRow) = outputRowIndex.quotientAndRemainder(dividingBy: rows.output)
                    let inputImage = x.pointer + n * image.height * image.width * channels
                    rowSum.update(repeating: 0, count: sumLength)
                    for outputColumn in 0..<columns.output {
                        let gradient = dz.pointer + (outputRowIndex * columns.output + outputColumn) * outputChannels
                        for tapRow in rows.taps(output: outputRow) {
                            let inputRow = rows.inputIndex(output: outputRow, tap: tapRow)
                            for tapColumn in columns.taps(output: outputColumn) {
                                let pixel = inputImage + (inputRow * image.width + columns.inputIndex(output: outputColumn, tap: tapColumn)) * channels
                                multiplyAddTap(rowSum + (tapRow * kernelWidth + tapColumn) * outputChannels, pixel, gradient,
                                               channels: channels, multiplier: multiplier)
                            }
                        }
                        if withBias { combineVectors(rowSum + kernelCount, gradient, count: outputChannels) { $0 + $1 } }
                    }
                    combineVectors(partial, rowSum, count: sumLength) { $0 + $1 }
                }
            }
        }
        kernelGradient.pointer.update(repeating: 0, count: kernelCount)
        biasGradient?.pointer.update(repeating: 0, count: outputChannels)
        for task in 0..<tasks {
            let partial = sums + task * 2 * sumLength
            combineVectors(kernelGradient.pointer, partial, count: kernelCount) { $0 + $1 }
            if let biasGradient { combineVectors(biasGradient.pointer, partial + kernelCount, count: outputChannels) { $0 + $1 } }
        }
    }

    /// The input's image shape and window geometry, after checking that `outputGradient` has the output's shape.
    private func gradientGeometry(input: Tensor, outputGradient: Tensor, role: String) throws -> (ImageShape, WindowGeometry) {
        let (image, geometry) = try geometry(input, operation: "depthwise_conv2d backward", role: role)
        try ImageShape(batch: image.batch, height: geometry.rows.output, width: geometry.columns.output, channels: outputChannels)
            .require(outputGradient, operation: "depthwise_conv2d backward", role: "output gradient")
        return (image, geometry)
    }
}

internal import CKernels

/// Keras `DepthwiseConv2D` (NHWC, cross-correlation, TF padding; docs/keras-numerics.md §1.1): each input channel
/// convolved with `depth_multiplier` filters of its own, no sum across channels:
/// `y[n,i,j,c·M+m] = b[c·M+m] + Σ_{p,q} x[n, i·sh + p·dh − top, j·sw + q·dw − left, c] · K[p,q,c,m]`.
///
/// The kernel keeps Keras' layout `(kh, kw, in, M)`: read flat, each tap is one row of `in·M` weights in output-channel
/// order (`c·M + m`), so a tap is a multiply-add of two channel vectors. With kh·kw multiply-adds per output value the
/// layer is bound by memory, not arithmetic: no GEMM, but loops over output pixels with SIMD over the channels
/// (contiguous in NHWC), a run of neighbouring output rows per task on the worker pool. Bias and activation finish each
/// row while it is still in cache.
public struct DepthwiseConv2D: Sendable {
    /// `(kh, kw, in, depth_multiplier)`, as Keras stores it.
    public let kernel: Tensor
    /// `(in · depth_multiplier)`, or nil for `use_bias=False`.
    public let bias: Tensor?
    public let strides: (Int, Int)
    public let dilation: (Int, Int)
    public let padding: Padding
    /// Zeros around the input that the window reads before `padding` applies (a folded `ZeroPadding2D`).
    public let zeroPadding: ZeroPadding
    public let activation: Activation

    public var kernelHeight: Int { kernel.shape[0] }
    public var kernelWidth: Int { kernel.shape[1] }
    public var inputChannels: Int { kernel.shape[2] }
    public var depthMultiplier: Int { kernel.shape[3] }
    public var outputChannels: Int { inputChannels * depthMultiplier }

    public init(kernel: Tensor, bias: Tensor?, strides: (Int, Int) = (1, 1), padding: Padding = .valid, zeroPadding: ZeroPadding = .none,
                dilation: (Int, Int) = (1, 1), activation: Activation = .linear) throws {
        guard kernel.rank == 4, kernel.shape.allSatisfy({ $0 > 0 }) else {
            throw TensorError.shapeMismatch(operation: "depthwise_conv2d",
                                            detail: "kernel must be a non-empty (kh, kw, in, depth_multiplier) tensor, got \(kernel.shape)")
        }
        guard strides.0 > 0, strides.1 > 0, dilation.0 > 0, dilation.1 > 0 else {
            throw TensorError.invalidArgument(operation: "depthwise_conv2d", detail: "strides \(strides) and dilation \(dilation) must be positive")
        }
        guard (strides.0 == 1 && strides.1 == 1) || (dilation.0 == 1 && dilation.1 == 1) else {
            // Keras refuses this combination when the layer is made (BaseDepthwiseConv.__init__).
            throw TensorError.invalidArgument(operation: "depthwise_conv2d", detail: "strides > 1 together with dilation > 1 are not supported")
        }
        guard !zeroPadding.isNegative else {
            throw TensorError.invalidArgument(operation: "depthwise_conv2d", detail: "zero padding must not be negative")
        }
        if let bias {
            try bias.requireShape([kernel.shape[2] * kernel.shape[3]], operation: "depthwise_conv2d", role: "bias")
        }
        self.kernel = kernel
        self.bias = bias
        self.strides = strides
        self.dilation = dilation
        self.padding = padding
        self.zeroPadding = zeroPadding
        self.activation = activation
    }

    /// The image shape of `input` (the `role` of `operation`, for messages) and the window geometry over it.
    func geometry(_ input: Tensor, operation: String = "depthwise_conv2d", role: String = "input") throws -> (ImageShape, WindowGeometry) {
        try WindowGeometry.convolution(input, channels: inputChannels, kernel: (kernelHeight, kernelWidth), strides: strides,
                                       dilation: dilation, padding: padding, zeroPadding: zeroPadding, operation: operation, role: role)
    }

    /// The window over an image of `image`'s size, whose channels the caller has checked (a map that exists only a row
    /// at a time: `InvertedResidual`'s expanded one).
    func window(over image: ImageShape, operation: String) throws -> WindowGeometry {
        try WindowGeometry(operation: operation, input: image, kernel: (kernelHeight, kernelWidth), strides: strides, dilation: dilation,
                           padding: padding, zeroPadding: zeroPadding)
    }

    /// `(N, outH, outW, in · depth_multiplier)` for an NHWC input shape.
    public func outputShape(for input: Tensor) throws -> [Int] {
        let (image, geometry) = try geometry(input)
        return [image.batch, geometry.rows.output, geometry.columns.output, outputChannels]
    }

    /// Computes the convolution into `output` (shaped by `outputShape(for:)`), which may not share memory with the input.
    public func forward(_ input: Tensor, into output: Tensor) throws {
        let (image, geometry) = try geometry(input)
        let outputImage = ImageShape(batch: image.batch, height: geometry.rows.output, width: geometry.columns.output,
                                     channels: outputChannels)
        try outputImage.require(output, operation: "depthwise_conv2d")
        try input.requireDistinct(from: output, operation: "depthwise_conv2d")
        let source = SendablePointer(input.pointer), target = SendablePointer(output.pointer), weights = SendablePointer(kernel.pointer)
        let bias = bias.map { SendablePointer($0.pointer) }
        let (rows, columns) = (geometry.rows, geometry.columns)
        let (channels, multiplier, outputChannels) = (inputChannels, depthMultiplier, outputChannels)
        let (kernelHeight, kernelWidth) = (kernelHeight, kernelWidth)
        let activation = activation.isElementwise ? activation : .linear
        let taps = kernelHeight * kernelWidth
        // Runs of neighbouring output rows per task, about four per worker and image: consecutive rows share input
        // rows (two of three at stride 1), which a task then reads once from its own caches instead of each row going
        // to whichever worker is free.
        let workers = Parallelism.workers
        let rowsPerTask = max(1, rows.output / (4 * workers)), tasksPerImage = (rows.output + rowsPerTask - 1) / rowsPerTask
        withExtendedLifetime((input.storage, output.storage, kernel.storage, self.bias?.storage)) {
            runTasks(image.batch * tasksPerImage, workers: workers) { _, task in
                let (n, run) = task.quotientAndRemainder(dividingBy: tasksPerImage)
                let inputImage = source.pointer + n * image.height * image.width * channels
                for outputRow in (run * rowsPerTask)..<min((run + 1) * rowsPerTask, rows.output) {
                    let outputRowStart = target.pointer + (n * rows.output + outputRow) * columns.output * outputChannels
                    let tapRows = rows.taps(output: outputRow)
                    if multiplier == 1 {
                        computeRow(outputRow, columns: 0..<columns.output, of: inputImage, width: image.width, geometry: geometry,
                                   into: outputRowStart)
                        continue
                    }
                    withUnsafeTemporaryAllocation(of: DepthwiseTap.self, capacity: taps) { window in
                        for outputColumn in 0..<columns.output {
                            // The taps of this output pixel that land inside the image, in the kernel's row-major order.
                            var count = 0
                            for tapRow in tapRows {
                                let inputRow = rows.inputIndex(output: outputRow, tap: tapRow)
                                for tapColumn in columns.taps(output: outputColumn) {
                                    window[count] = DepthwiseTap(
                                        input: inputImage
                                            + (inputRow * image.width + columns.inputIndex(output: outputColumn, tap: tapColumn)) * channels,
                                        weights: weights.pointer + (tapRow * kernelWidth + tapColumn) * outputChannels)
                                    count += 1
                                }
                            }
                            let sum = outputRowStart + outputColumn * outputChannels
                            sumTaps(into: sum, window.baseAddress!, count: count, channels: channels, multiplier: multiplier)
                            if let bias { combineVectors(sum, bias.pointer, count: outputChannels) { $0 + $1 } }
                        }
                    }
                    activation.apply(outputRowStart, count: columns.output * outputChannels)
                }
            }
        }
        if !self.activation.isElementwise {
            Activation.softmax(output.pointer, rows: outputImage.pixels, length: outputChannels)
        }
    }

    /// Output row `outputRow` of one image (`inputImage`, `width` pixels wide), its columns `columns` only (all of them, or
    /// those in a GEMM row block), into `target` pixel after pixel, with one filter per channel: the kernels' vector loop,
    /// which finishes ReLU, relu6 and silu (MobileNetV2's and EfficientNet's) in its registers, then any other element-wise
    /// activation over the finished pixels. `forward` and the rows a separable convolution's pointwise GEMM reads
    /// (`DepthwiseRowsOperand`) share it, so the two compute the same bits.
    func computeRow(_ outputRow: Int, columns: Range<Int>, of inputImage: UnsafePointer<Float>, width: Int, geometry: WindowGeometry,
                    into target: UnsafeMutablePointer<Float>) {
        let tapRows = geometry.rows.taps(output: outputRow)
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: kernelHeight) { inputRows in
            for tapRow in 0..<kernelHeight {
                inputRows[tapRow] = tapRows.contains(tapRow)
                    ? inputImage + geometry.rows.inputIndex(output: outputRow, tap: tapRow) * width * inputChannels : nil
            }
            computeRow(inputRows: UnsafePointer(inputRows.baseAddress!), columns: columns, width: width, geometry: geometry, into: target)
        }
    }

    /// `computeRow` from the input row under each kernel row (nil where it is padding), wherever those rows are: an
    /// image's, or the expanded rows `InvertedResidual` keeps in its scratch.
    func computeRow(inputRows: UnsafePointer<UnsafePointer<Float>?>, columns: Range<Int>, width: Int, geometry: WindowGeometry,
                    into target: UnsafeMutablePointer<Float>) {
        let activation = activation.isElementwise ? activation : .linear
        let axis = geometry.columns
        // The row's first column `columns.lowerBound` moves the window's left edge by that many strides.
        zoo_depthwise_row(inputRows, Int64(kernelHeight), Int64(kernelWidth), Int64(width), Int64(inputChannels),
                          Int64(axis.stride), Int64(axis.dilation), Int64(axis.padBefore - columns.lowerBound * axis.stride),
                          kernel.pointer, bias.map { UnsafePointer($0.pointer) }, activation.inRegisters ?? zoo_activation_linear,
                          target, Int64(columns.count))
        if activation.inRegisters == nil { activation.apply(target, count: columns.count * outputChannels) }
    }

    /// Allocates the output and runs `forward` (convenient outside a planned executor).
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let output = try Tensor(shape: outputShape(for: input))
        try forward(input, into: output)
        return output
    }
}

/// One tap of an output pixel's window: the input pixel it reads and the tap's weights.
struct DepthwiseTap {
    let input: UnsafePointer<Float>
    let weights: UnsafePointer<Float>
}

/// An output pixel's depthwise sum over its `count` taps: from zero, tap after tap in the kernel's order. With one
/// filter per channel the sums of 16 channels stay in a vector register across the taps and are stored once, rather
/// than going to memory and back at every tap (TensorBench depthwise: MobileNetV2's 112x112x32 layer 1.03 -> 0.69 ms).
@inline(__always)
func sumTaps(into sum: UnsafeMutablePointer<Float>, _ taps: UnsafePointer<DepthwiseTap>, count: Int, channels: Int, multiplier: Int) {
    guard multiplier == 1 else {
        sum.update(repeating: 0, count: channels * multiplier)
        for t in 0..<count { multiplyAddTap(sum, taps[t].input, taps[t].weights, channels: channels, multiplier: multiplier) }
        return
    }
    var c = 0
    while c &+ 16 <= channels {
        var total = SIMD16<Float>.zero
        for t in 0..<count { total += load16(taps[t].input + c) * load16(taps[t].weights + c) }
        store16(total, sum + c)
        c &+= 16
    }
    while c < channels {
        var total: Float = 0
        for t in 0..<count { total += taps[t].input[c] * taps[t].weights[c] }
        sum[c] = total
        c &+= 1
    }
}

/// One tap of the depthwise sum: `sum[c·M + m] += x[c] · w[c·M + m]` for every input channel c and m < M
/// (`multiplier`). The forward pass with several filters per channel (x an input pixel, w the tap's weights) and the
/// kernel gradient (x an input pixel, w an output gradient pixel) share it.
@inline(__always)
func multiplyAddTap(_ sum: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, channels: Int,
                    multiplier: Int) {
    guard multiplier != 1 else {
        multiplyAdd(sum, x, w, count: channels)
        return
    }
    for c in 0..<channels {
        let value = x[c], row = c &* multiplier
        for m in 0..<multiplier { sum[row &+ m] += value * w[row &+ m] }
    }
}

/// `sum[i] += a[i] · b[i]`, 16 lanes at a time (a multiply then an add: baseline x86-64 has no FMA).
@inline(__always)
func multiplyAdd(_ sum: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
    var i = 0
    while i &+ 16 <= count {
        store16(load16(sum + i) + load16(a + i) * load16(b + i), sum + i)
        i &+= 16
    }
    while i < count {
        sum[i] += a[i] * b[i]
        i &+= 1
    }
}

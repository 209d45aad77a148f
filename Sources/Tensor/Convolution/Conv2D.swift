/// Keras `Conv2D` (NHWC, cross-correlation, TF padding; docs/keras-numerics.md §1) lowered onto the GEMM:
/// output pixels are GEMM rows, output channels GEMM columns, and (tap, input channel) the depth.
/// The weights are packed once at construction; bias, an optional residual add and the activation run in
/// the GEMM epilogue. A grouped convolution (`groups` > 1) is one such GEMM per group, on the group's run of
/// input channels and into its run of output channels.
public struct Conv2D: Sendable {
    /// How the convolution is computed; both give the same result within float rounding.
    public enum Algorithm: Sendable, Equatable {
        /// Implicit im2col onto the GEMM. Any kernel, stride, dilation and padding.
        case gemm
        /// Winograd F(2x2, 3x3): 2.25x fewer multiplications, for 3x3 stride-1 undilated convolutions.
        /// Its transformed weights take 16/9 of the kernel's memory. Worth it on large maps with many
        /// channels (VGG's layers, ResNet's 56x56 and 28x28 stages); measure with TensorBench.
        case winograd
    }

    /// A kernel in the form its algorithm reads, prepared once at load: a packed `(kh*kw*in/groups, out/groups)`
    /// matrix per group for the GEMM, or 16 packed `(in, out)` matrices for Winograd (16/9 of the kernel's memory).
    public struct Kernel: Sendable {
        public let height: Int, width: Int
        /// Of the whole convolution: each group reads `inputChannels / groups` of them and makes `outputChannels / groups`.
        public let inputChannels: Int, outputChannels: Int
        public let groups: Int
        let weights: Weights

        enum Weights: Sendable {
            /// One matrix per group, in group order.
            case gemm([PackedMatrix])
            case winograd([PackedMatrix])
        }

        /// The HWIO shape Keras stores: `(kh, kw, in / groups, out)`.
        public var shape: [Int] { [height, width, inputChannels / groups, outputChannels] }

        /// Group `group`'s input and output channels.
        func channels(of group: Int) -> (input: Range<Int>, output: Range<Int>) {
            let inputs = inputChannels / groups, outputs = outputChannels / groups
            return (group * inputs..<(group + 1) * inputs, group * outputs..<(group + 1) * outputs)
        }

        public var algorithm: Algorithm {
            switch weights {
            case .gemm: .gemm
            case .winograd: .winograd
            }
        }

        /// Prepares HWIO `(kh, kw, in / groups, out)` values, as Keras stores them, for `algorithm`. `outputScale`
        /// multiplies each output channel's weights on the way (`W * scale`: a BatchNormalization folded into
        /// the convolution), so a loader can read the values straight from a weight file and keep no copy.
        /// Group `g` (Keras' `groups`) maps input channels `g·in/groups ..< (g+1)·in/groups` to the output channels
        /// `g·out/groups ..< (g+1)·out/groups`, by the kernel's columns of those output channels.
        public init(hwio values: UnsafeBufferPointer<Float>, shape: [Int], groups: Int = 1, outputScale: [Float]? = nil,
                    algorithm: Algorithm) throws {
            guard shape.count == 4, shape.allSatisfy({ $0 > 0 }), values.count == shape.reduce(1, *), let base = values.baseAddress else {
                throw TensorError.shapeMismatch(operation: "conv2d", detail: "kernel must be a non-empty HWIO tensor, got \(values.count) values for \(shape)")
            }
            guard groups > 0, shape[3] % groups == 0 else {
                throw TensorError.invalidArgument(operation: "conv2d", detail: "\(shape[3]) output channels do not split into \(groups) groups")
            }
            if let outputScale, outputScale.count != shape[3] {
                throw TensorError.shapeMismatch(operation: "conv2d", detail: "\(outputScale.count) output scales for \(shape[3]) output channels")
            }
            if algorithm == .winograd, shape[0] != 3 || shape[1] != 3 || groups != 1 {
                throw TensorError.invalidArgument(operation: "conv2d", detail: "Winograd F(2x2, 3x3) needs an ungrouped 3x3 kernel, got "
                                                  + "\(shape[0])x\(shape[1]) in \(groups) group(s)")
            }
            (height, width, inputChannels, outputChannels, self.groups) = (shape[0], shape[1], shape[2] * groups, shape[3], groups)
            switch algorithm {
            case .gemm:
                let depth = shape[0] * shape[1] * shape[2], allOutputs = shape[3], outputs = shape[3] / groups
                weights = .gemm((0..<groups).map { group in
                    let columns = group * outputs..<(group + 1) * outputs
                    return PackedMatrix(rows: depth, columns: outputs, source: base + columns.lowerBound, rowStride: allOutputs,
                                        columnScale: outputScale.map { Array($0[columns]) })
                })
            case .winograd:
                weights = .winograd(WinogradF2x3.transformWeights(base, inputs: inputChannels, outputs: outputChannels, outputScale: outputScale))
            }
        }
    }

    /// A BatchNormalization and the element-wise activation after it, applied to a pointwise convolution's input as
    /// its GEMM reads each block of rows: DenseNet's pre-activation before each 1x1 convolution, in the fused mode. The
    /// rows get the values `BatchNorm.forward` with that activation writes (the same code computes both), but the
    /// normalised map is never stored whole and read back.
    public struct PreActivation: Sendable {
        public let norm: BatchNorm
        public let activation: Activation

        public init(norm: BatchNorm, activation: Activation) throws {
            guard activation.isElementwise else {
                throw TensorError.invalidArgument(operation: "conv2d", detail: "a pre-activation must be element-wise, not softmax")
            }
            self.norm = norm
            self.activation = activation
        }
    }

    public let kernel: Kernel
    public let strides: (Int, Int)
    public let dilation: (Int, Int)
    public let padding: Padding
    /// Zeros around the input that the window reads before `padding` applies (a folded `ZeroPadding2D`).
    public let zeroPadding: ZeroPadding
    public let activation: Activation
    /// `(out)`, or nil for `use_bias=False`.
    public let bias: Tensor?
    /// What normalises and activates the input first, if anything (a pointwise convolution only).
    public let preActivation: PreActivation?

    public var kernelHeight: Int { kernel.height }
    public var kernelWidth: Int { kernel.width }
    public var inputChannels: Int { kernel.inputChannels }
    public var outputChannels: Int { kernel.outputChannels }
    public var groups: Int { kernel.groups }
    public var algorithm: Algorithm { kernel.algorithm }

    /// Input channels below which im2col rows are gathered per row block (see `Im2ColTileOperand`).
    static let gatherBelowChannels = 32

    /// - Parameters:
    ///   - kernel: HWIO `(kh, kw, in / groups, out)`, as Keras stores it.
    ///   - bias: `(out)` or nil.
    ///   - groups: Keras' `groups`: the input and output channels split into that many independent convolutions.
    ///   - algorithm: `.winograd` is accepted only for ungrouped 3x3 kernels with stride 1 and no dilation.
    ///   - preActivation: what normalises and activates the input first: an ungrouped 1x1 stride-1 kernel by GEMM only.
    public init(kernel: Tensor, bias: Tensor?, strides: (Int, Int) = (1, 1), padding: Padding = .valid, zeroPadding: ZeroPadding = .none,
                dilation: (Int, Int) = (1, 1), groups: Int = 1, activation: Activation = .linear, algorithm: Algorithm = .gemm,
                preActivation: PreActivation? = nil) throws {
        try self.init(kernel: kernel.withValues { try Kernel(hwio: $0, shape: kernel.shape, groups: groups, algorithm: algorithm) },
                      bias: bias, strides: strides, padding: padding, zeroPadding: zeroPadding, dilation: dilation, activation: activation,
                      preActivation: preActivation)
    }

    /// A convolution over a prepared kernel. A `preActivation` needs an ungrouped 1x1 stride-1 kernel by GEMM, over as many
    /// channels as the norm has, and no zero padding.
    public init(kernel: Kernel, bias: Tensor?, strides: (Int, Int) = (1, 1), padding: Padding = .valid, zeroPadding: ZeroPadding = .none,
                dilation: (Int, Int) = (1, 1), activation: Activation = .linear, preActivation: PreActivation? = nil) throws {
        guard strides.0 > 0, strides.1 > 0, dilation.0 > 0, dilation.1 > 0 else {
            throw TensorError.invalidArgument(operation: "conv2d", detail: "strides \(strides) and dilation \(dilation) must be positive")
        }
        guard (strides.0 == 1 && strides.1 == 1) || (dilation.0 == 1 && dilation.1 == 1) else {
            // TensorFlow rejects this combination too.
            throw TensorError.invalidArgument(operation: "conv2d", detail: "strides > 1 together with dilation > 1 are not supported")
        }
        guard !zeroPadding.isNegative else {
            throw TensorError.invalidArgument(operation: "conv2d", detail: "zero padding must not be negative")
        }
        if let bias {
            try bias.requireShape([kernel.outputChannels], operation: "conv2d", role: "bias")
        }
        if kernel.algorithm == .winograd, strides != (1, 1) || dilation != (1, 1) {
            throw TensorError.invalidArgument(operation: "conv2d", detail: "Winograd F(2x2, 3x3) needs stride 1 and no dilation")
        }
        if let preActivation {
            guard kernel.height == 1, kernel.width == 1, kernel.groups == 1, kernel.algorithm == .gemm, strides == (1, 1),
                  dilation == (1, 1), zeroPadding == .none else {
                throw TensorError.invalidArgument(operation: "conv2d", detail: "a pre-activation needs an ungrouped 1x1 stride-1 convolution by GEMM "
                                                  + "without zero padding")
            }
            guard preActivation.norm.channels == kernel.inputChannels else {
                throw TensorError.shapeMismatch(operation: "conv2d", detail: "the pre-activation normalises \(preActivation.norm.channels) channels, "
                                                + "the kernel reads \(kernel.inputChannels)")
            }
        }
        self.kernel = kernel
        self.strides = strides
        self.dilation = dilation
        self.padding = padding
        self.zeroPadding = zeroPadding
        self.activation = activation
        self.bias = bias
        self.preActivation = preActivation
    }

    /// The image shape of `input` (the `role` of `operation`, for messages) and the window geometry over it.
    func geometry(_ input: Tensor, operation: String = "conv2d", role: String = "input") throws -> (ImageShape, WindowGeometry) {
        try WindowGeometry.convolution(input, channels: inputChannels, kernel: (kernelHeight, kernelWidth), strides: strides,
                                       dilation: dilation, padding: padding, zeroPadding: zeroPadding, operation: operation, role: role)
    }

    /// `(N, outH, outW, out)` for an NHWC input shape.
    public func outputShape(for input: Tensor) throws -> [Int] {
        let (image, geometry) = try geometry(input)
        return [image.batch, geometry.rows.output, geometry.columns.output, outputChannels]
    }

    /// Computes the convolution into `output` (shaped by `outputShape(for:)`). `residual`, when given, has the
    /// output's shape and is added before the activation (the ResNet shortcut, fused). `inputScale`, when given, holds
    /// one factor per image and input channel (`(N, 1, 1, in)`, a squeeze-and-excitation gate) that multiplies the
    /// input first; a pointwise convolution only. Where an image has at least as many pixels as the convolution has
    /// filters, each image's factors go into its kernel's rows (in x out products rather than the H x W x in of
    /// scaling the input); on smaller maps the GEMM scales the input rows as it reads them (`GatedMatrixOperand`). Neither the input, the residual nor
    /// the input scale may share memory with the output.
    public func forward(_ input: Tensor, into output: Tensor, residual: Tensor? = nil, inputScale: Tensor? = nil,
                        workspace: Workspace) throws {
        let (image, geometry) = try geometry(input)
        let outputImage = ImageShape(batch: image.batch, height: geometry.rows.output, width: geometry.columns.output, channels: outputChannels)
        try outputImage.requireOutput(output, residual: residual, reading: input, operation: "conv2d")
        let pointwise = kernelHeight == 1 && kernelWidth == 1 && strides == (1, 1) && geometry.rows.padBefore == 0
            && geometry.rows.padAfter == 0 && geometry.columns.padBefore == 0 && geometry.columns.padAfter == 0
        if let preActivation, case .gemm(let matrices) = kernel.weights {
            guard inputScale == nil else {
                throw TensorError.invalidArgument(operation: "conv2d", detail: "a convolution with a pre-activation takes no input scale")
            }
            return multiplyPixels(NormalizedMatrixOperand(base: input.pointer, rows: image.pixels, depth: inputChannels, preActivation: preActivation),
                                  matrices[0], into: output, residual: residual, workspace: workspace)
        }
        if let inputScale {
            try ImageShape(batch: image.batch, height: 1, width: 1, channels: inputChannels).require(inputScale, operation: "conv2d", role: "input scale")
            try inputScale.requireDistinct(from: output, operation: "conv2d", role: "input scale")
            guard pointwise, groups == 1, case .gemm(let matrices) = kernel.weights else {
                throw TensorError.invalidArgument(operation: "conv2d", detail: "an input scale needs an ungrouped 1x1 stride-1 convolution without padding")
            }
            let pixelsPerImage = image.height * image.width
            guard pixelsPerImage >= outputChannels else {
                return multiplyPixels(GatedMatrixOperand(base: input.pointer, rows: image.pixels, depth: inputChannels, gate: inputScale.pointer,
                                                         pixelsPerImage: pixelsPerImage),
                                      matrices[0], into: output, residual: residual, workspace: workspace)
            }
            let storage = workspace.storage(for: .gated, count: PackedMatrix.count(rows: inputChannels, columns: outputChannels))
            for n in 0..<image.batch {
                let gated = matrices[0].scalingRows(by: inputScale.pointer + n * inputChannels, into: storage)
                let pixels = MatrixOperand(base: input.pointer + n * pixelsPerImage * inputChannels, rows: pixelsPerImage, depth: inputChannels,
                                           stride: inputChannels)
                gemm(pixels, gated, output: output.pointer + n * pixelsPerImage * outputChannels, outputStride: outputChannels,
                     epilogue: epilogue(0..<outputChannels, row: n * pixelsPerImage, residual: residual), workspace: workspace)
            }
            return finish(output, rows: outputImage.pixels)
        }
        switch kernel.weights {
        case .winograd(let matrices):
            WinogradF2x3.forward(input: input.pointer, image: image, geometry: geometry, weights: matrices,
                                 output: output.pointer, epilogue: epilogue(0..<outputChannels, residual: residual), workspace: workspace)
        case .gemm(let matrices):
            // One GEMM per group, each reading its input channels of every pixel and writing its output channels.
            for (group, matrix) in matrices.enumerated() {
                let (inputs, outputs) = kernel.channels(of: group)
                let target = output.pointer + outputs.lowerBound
                let convolution = ConvolutionOperand(input: input.pointer, image: image, geometry: geometry, channels: inputs)
                if pointwise {
                    // A 1x1 stride-1 convolution over NHWC pixels is a plain matrix product.
                    let pixels = MatrixOperand(base: input.pointer + inputs.lowerBound, rows: image.pixels, depth: inputs.count, stride: inputChannels)
                    gemm(pixels, matrix, output: target, outputStride: outputChannels, epilogue: epilogue(outputs, residual: residual), workspace: workspace)
                } else if inputs.count < Conv2D.gatherBelowChannels && KernelRowOperand.fits(convolution) {
                    gemm(KernelRowOperand(convolution: convolution), matrix, output: target, outputStride: outputChannels,
                         epilogue: epilogue(outputs, residual: residual), workspace: workspace)
                } else if inputs.count < Conv2D.gatherBelowChannels {
                    gemm(Im2ColTileOperand(convolution: convolution), matrix, output: target, outputStride: outputChannels,
                         epilogue: epilogue(outputs, residual: residual), workspace: workspace)
                } else {
                    gemm(convolution, matrix, output: target, outputStride: outputChannels, epilogue: epilogue(outputs, residual: residual), workspace: workspace)
                }
            }
        }
        finish(output, rows: outputImage.pixels)
    }

    /// The epilogue of the GEMM that makes output channels `channels` (all of them, or one group's) from output row `row` on.
    func epilogue(_ channels: Range<Int>, row: Int = 0, residual: Tensor?) -> GemmEpilogue {
        GemmEpilogue(bias: bias.map { UnsafePointer($0.pointer) + channels.lowerBound },
                     residual: residual.map { UnsafePointer($0.pointer) + row * outputChannels + channels.lowerBound },
                     residualStride: outputChannels, activation: activation.isElementwise ? activation : .linear)
    }

    /// A pointwise convolution's GEMM by `weights` (its one matrix) over `pixels`, an operand that prepares the input's
    /// pixels on their way in (normalised by a pre-activation, or computed by the depthwise stage of a separable
    /// convolution), into `output` with the residual, bias and activation. The caller has checked the shapes.
    func multiplyPixels<Pixels: ScratchRowsOperand>(_ pixels: Pixels, _ weights: PackedMatrix, into output: Tensor, residual: Tensor?,
                                                    workspace: Workspace) {
        gemm(pixels, weights, output: output.pointer, outputStride: outputChannels, epilogue: epilogue(0..<outputChannels, residual: residual),
             workspace: workspace)
        finish(output, rows: pixels.rows)
    }

    /// The softmax a softmax-activated convolution applies over each output pixel's channels, after its GEMMs.
    private func finish(_ output: Tensor, rows: Int) {
        if !activation.isElementwise {
            Activation.softmax(output.pointer, rows: rows, length: outputChannels)
        }
    }

    /// Allocates the output and runs `forward` (convenient outside a planned executor).
    public func callAsFunction(_ input: Tensor, residual: Tensor? = nil, workspace: Workspace = Workspace()) throws -> Tensor {
        let output = try Tensor(shape: outputShape(for: input))
        try forward(input, into: output, residual: residual, workspace: workspace)
        return output
    }
}

/// Keras `Conv2D` (NHWC, cross-correlation, TF padding; docs/keras-numerics.md §1) lowered onto the GEMM:
/// output pixels are GEMM rows, output channels GEMM columns, and (tap, input channel) the depth.
/// The weights are packed once at construction; bias, an optional residual add and the activation run in
/// the GEMM epilogue.
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

    /// A kernel in the form its algorithm reads, prepared once at load: one packed `(kh*kw*in, out)` matrix
    /// for the GEMM, or 16 packed `(in, out)` matrices for Winograd (16/9 of the kernel's memory).
    public struct Kernel: Sendable {
        public let height: Int, width: Int
        public let inputChannels: Int, outputChannels: Int
        let weights: Weights

        enum Weights: Sendable {
            case gemm(PackedMatrix)
            case winograd([PackedMatrix])
        }

        public var algorithm: Algorithm {
            switch weights {
            case .gemm: .gemm
            case .winograd: .winograd
            }
        }

        /// Prepares HWIO `(kh, kw, in, out)` values, as Keras stores them, for `algorithm`. `outputScale`
        /// multiplies each output channel's weights on the way (`W * scale`: a BatchNormalization folded into
        /// the convolution), so a loader can read the values straight from a weight file and keep no copy.
        public init(hwio values: UnsafeBufferPointer<Float>, shape: [Int], outputScale: [Float]? = nil, algorithm: Algorithm) throws {
            guard shape.count == 4, shape.allSatisfy({ $0 > 0 }), values.count == shape.reduce(1, *), let base = values.baseAddress else {
                throw TensorError.shapeMismatch(operation: "conv2d", detail: "kernel must be a non-empty HWIO tensor, got \(values.count) values for \(shape)")
            }
            if let outputScale, outputScale.count != shape[3] {
                throw TensorError.shapeMismatch(operation: "conv2d", detail: "\(outputScale.count) output scales for \(shape[3]) output channels")
            }
            if algorithm == .winograd, shape[0] != 3 || shape[1] != 3 {
                throw TensorError.invalidArgument(operation: "conv2d", detail: "Winograd F(2x2, 3x3) needs a 3x3 kernel, got \(shape[0])x\(shape[1])")
            }
            (height, width, inputChannels, outputChannels) = (shape[0], shape[1], shape[2], shape[3])
            switch algorithm {
            case .gemm:
                weights = .gemm(PackedMatrix(rows: height * width * inputChannels, columns: outputChannels, source: base, columnScale: outputScale))
            case .winograd:
                weights = .winograd(WinogradF2x3.transformWeights(base, inputs: inputChannels, outputs: outputChannels, outputScale: outputScale))
            }
        }
    }

    public let kernel: Kernel
    public let strides: (Int, Int)
    public let dilation: (Int, Int)
    public let padding: Padding
    public let activation: Activation
    /// `(out)`, or nil for `use_bias=False`.
    public let bias: Tensor?

    public var kernelHeight: Int { kernel.height }
    public var kernelWidth: Int { kernel.width }
    public var inputChannels: Int { kernel.inputChannels }
    public var outputChannels: Int { kernel.outputChannels }
    public var algorithm: Algorithm { kernel.algorithm }

    /// Input channels below which im2col rows are gathered per row block (see `Im2ColTileOperand`).
    static let gatherBelowChannels = 32

    /// - Parameters:
    ///   - kernel: HWIO `(kh, kw, in, out)`, as Keras stores it.
    ///   - bias: `(out)` or nil.
    ///   - algorithm: `.winograd` is accepted only for 3x3 kernels with stride 1 and no dilation.
    public init(kernel: Tensor, bias: Tensor?, strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                dilation: (Int, Int) = (1, 1), activation: Activation = .linear, algorithm: Algorithm = .gemm) throws {
        try self.init(kernel: kernel.withValues { try Kernel(hwio: $0, shape: kernel.shape, algorithm: algorithm) },
                      bias: bias, strides: strides, padding: padding, dilation: dilation, activation: activation)
    }

    /// A convolution over a prepared kernel.
    public init(kernel: Kernel, bias: Tensor?, strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                dilation: (Int, Int) = (1, 1), activation: Activation = .linear) throws {
        guard strides.0 > 0, strides.1 > 0, dilation.0 > 0, dilation.1 > 0 else {
            throw TensorError.invalidArgument(operation: "conv2d", detail: "strides \(strides) and dilation \(dilation) must be positive")
        }
        guard (strides.0 == 1 && strides.1 == 1) || (dilation.0 == 1 && dilation.1 == 1) else {
            // TensorFlow rejects this combination too.
            throw TensorError.invalidArgument(operation: "conv2d", detail: "strides > 1 together with dilation > 1 are not supported")
        }
        if let bias {
            try bias.requireShape([kernel.outputChannels], operation: "conv2d", role: "bias")
        }
        if kernel.algorithm == .winograd, strides != (1, 1) || dilation != (1, 1) {
            throw TensorError.invalidArgument(operation: "conv2d", detail: "Winograd F(2x2, 3x3) needs stride 1 and no dilation")
        }
        self.kernel = kernel
        self.strides = strides
        self.dilation = dilation
        self.padding = padding
        self.activation = activation
        self.bias = bias
    }

    /// The image shape of `input` (the `role` of `operation`, for messages) and the window geometry over it.
    func geometry(_ input: Tensor, operation: String = "conv2d", role: String = "input") throws -> (ImageShape, WindowGeometry) {
        try WindowGeometry.convolution(input, channels: inputChannels, kernel: (kernelHeight, kernelWidth), strides: strides,
                                       dilation: dilation, padding: padding, operation: operation, role: role)
    }

    /// `(N, outH, outW, out)` for an NHWC input shape.
    public func outputShape(for input: Tensor) throws -> [Int] {
        let (image, geometry) = try geometry(input)
        return [image.batch, geometry.rows.output, geometry.columns.output, outputChannels]
    }

    /// Computes the convolution into `output` (shaped by `outputShape(for:)`). `residual`, when given, has the
    /// output's shape and is added before the activation (the ResNet shortcut, fused). Neither the input nor
    /// the residual may share memory with the output.
    public func forward(_ input: Tensor, into output: Tensor, residual: Tensor? = nil, workspace: Workspace) throws {
        let (image, geometry) = try geometry(input)
        let outputImage = ImageShape(batch: image.batch, height: geometry.rows.output, width: geometry.columns.output, channels: outputChannels)
        try outputImage.require(output, operation: "conv2d")
        try input.requireDistinct(from: output, operation: "conv2d")
        if let residual {
            try outputImage.require(residual, operation: "conv2d", role: "residual")
            try residual.requireDistinct(from: output, operation: "conv2d", role: "residual")
        }
        let epilogue = GemmEpilogue(bias: bias.map { UnsafePointer($0.pointer) },
                                    residual: residual.map { UnsafePointer($0.pointer) }, residualStride: outputChannels,
                                    activation: activation.isElementwise ? activation : .linear)
        switch kernel.weights {
        case .winograd(let matrices):
            WinogradF2x3.forward(input: input.pointer, image: image, geometry: geometry, weights: matrices,
                                 output: output.pointer, epilogue: epilogue, workspace: workspace)
        case .gemm(let matrix):
            let convolution = ConvolutionOperand(input: input.pointer, image: image, geometry: geometry)
            let pointwise = kernelHeight == 1 && kernelWidth == 1 && strides == (1, 1)
                && geometry.rows.padBefore == 0 && geometry.columns.padBefore == 0
            if pointwise {
                // A 1x1 stride-1 convolution over NHWC pixels is a plain matrix product.
                let pixels = MatrixOperand(base: input.pointer, rows: image.pixels, depth: inputChannels, stride: inputChannels)
                gemm(pixels, matrix, output: output.pointer, outputStride: outputChannels, epilogue: epilogue, workspace: workspace)
            } else if inputChannels < Conv2D.gatherBelowChannels {
                gemm(Im2ColTileOperand(convolution: convolution), matrix, output: output.pointer, outputStride: outputChannels,
                     epilogue: epilogue, workspace: workspace)
            } else {
                gemm(convolution, matrix, output: output.pointer, outputStride: outputChannels, epilogue: epilogue, workspace: workspace)
            }
        }
        if !activation.isElementwise {
            Activation.softmax(output.pointer, rows: outputImage.pixels, length: outputChannels)
        }
    }

    /// Allocates the output and runs `forward` (convenient outside a planned executor).
    public func callAsFunction(_ input: Tensor, residual: Tensor? = nil, workspace: Workspace = Workspace()) throws -> Tensor {
        let output = try Tensor(shape: outputShape(for: input))
        try forward(input, into: output, residual: residual, workspace: workspace)
        return output
    }
}

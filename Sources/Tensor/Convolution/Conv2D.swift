/// Keras `Conv2D` (NHWC, cross-correlation, TF padding; keras-formats.md §6.1) lowered onto the GEMM:
/// output pixels are GEMM rows, output channels GEMM columns, and (tap, input channel) the depth.
/// The weights are packed once at construction; bias, an optional residual add and the activation run in
/// the GEMM epilogue.
public struct Conv2D: Sendable {
    public let kernelHeight: Int, kernelWidth: Int
    public let strides: (Int, Int)
    public let dilation: (Int, Int)
    public let padding: Padding
    public let activation: Activation
    public let inputChannels: Int
    public let outputChannels: Int
    /// The HWIO kernel as a packed `(kh*kw*in, out)` matrix.
    public let weights: PackedMatrix
    /// `(out)`, or nil for `use_bias=False`.
    public let bias: Tensor?

    /// Input channels below which im2col rows are gathered per row block (see `Im2ColTileOperand`).
    static let gatherBelowChannels = 32

    /// - Parameters:
    ///   - kernel: HWIO `(kh, kw, in, out)`, as Keras stores it.
    ///   - bias: `(out)` or nil.
    public init(kernel: Tensor, bias: Tensor?, strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                dilation: (Int, Int) = (1, 1), activation: Activation = .linear) throws {
        guard kernel.rank == 4, kernel.count > 0 else {
            throw TensorError.shapeMismatch(operation: "conv2d", detail: "kernel must be a non-empty HWIO tensor, got \(kernel.shape)")
        }
        guard strides.0 > 0, strides.1 > 0, dilation.0 > 0, dilation.1 > 0 else {
            throw TensorError.invalidArgument(operation: "conv2d", detail: "strides \(strides) and dilation \(dilation) must be positive")
        }
        guard (strides.0 == 1 && strides.1 == 1) || (dilation.0 == 1 && dilation.1 == 1) else {
            // TensorFlow rejects this combination too.
            throw TensorError.invalidArgument(operation: "conv2d", detail: "strides > 1 together with dilation > 1 are not supported")
        }
        if let bias {
            try bias.requireShape([kernel.shape[3]], operation: "conv2d", role: "bias")
        }
        kernelHeight = kernel.shape[0]
        kernelWidth = kernel.shape[1]
        inputChannels = kernel.shape[2]
        outputChannels = kernel.shape[3]
        self.strides = strides
        self.dilation = dilation
        self.padding = padding
        self.activation = activation
        self.bias = bias
        weights = try PackedMatrix(kernel)
    }

    /// The convolution with `weights` replaced (BN folding); the other attributes stay.
    init(replacingWeightsOf convolution: Conv2D, weights: PackedMatrix, bias: Tensor) {
        kernelHeight = convolution.kernelHeight
        kernelWidth = convolution.kernelWidth
        strides = convolution.strides
        dilation = convolution.dilation
        padding = convolution.padding
        activation = convolution.activation
        inputChannels = convolution.inputChannels
        outputChannels = convolution.outputChannels
        self.weights = weights
        self.bias = bias
    }

    private func geometry(_ input: Tensor) throws -> (ImageShape, WindowGeometry) {
        let image = try ImageShape(input, operation: "conv2d")
        guard image.channels == inputChannels else {
            throw TensorError.shapeMismatch(operation: "conv2d", detail: "input has \(image.channels) channels, kernel expects \(inputChannels)")
        }
        let geometry = try WindowGeometry(operation: "conv2d", input: image, kernel: (kernelHeight, kernelWidth),
                                          strides: strides, dilation: dilation, padding: padding)
        return (image, geometry)
    }

    /// `(N, outH, outW, out)` for an NHWC input shape.
    public func outputShape(for input: Tensor) throws -> [Int] {
        let (image, geometry) = try geometry(input)
        return [image.batch, geometry.rows.output, geometry.columns.output, outputChannels]
    }

    /// Computes the convolution into `output` (shaped by `outputShape(for:)`). `residual`, when given, has the
    /// output's shape and is added before the activation (the ResNet shortcut, fused).
    public func forward(_ input: Tensor, into output: Tensor, residual: Tensor? = nil, workspace: Workspace) throws {
        let (image, geometry) = try geometry(input)
        let outputImage = ImageShape(batch: image.batch, height: geometry.rows.output, width: geometry.columns.output, channels: outputChannels)
        guard try ImageShape(output, operation: "conv2d") == outputImage else {
            throw TensorError.shapeMismatch(operation: "conv2d", detail: "output is \(output.shape), expected \(outputImage.dimensions)")
        }
        if let residual {
            guard residual.rank == 4, try ImageShape(residual, operation: "conv2d") == outputImage else {
                throw TensorError.shapeMismatch(operation: "conv2d", detail: "residual is \(residual.shape), expected \(outputImage.dimensions)")
            }
        }
        let epilogue = GemmEpilogue(bias: bias.map { UnsafePointer($0.pointer) },
                                    residual: residual.map { UnsafePointer($0.pointer) }, residualStride: outputChannels,
                                    activation: activation.isElementwise ? activation : .linear)
        let convolution = ConvolutionOperand(input: input.pointer, image: image, geometry: geometry)
        let pointwise = kernelHeight == 1 && kernelWidth == 1 && strides == (1, 1) && geometry.rows.padBefore == 0 && geometry.columns.padBefore == 0
        if pointwise {
            // A 1x1 stride-1 convolution over NHWC pixels is a plain matrix product.
            let pixels = MatrixOperand(base: input.pointer, rows: image.pixels, depth: inputChannels, stride: inputChannels)
            gemm(pixels, weights, output: output.pointer, outputStride: outputChannels, epilogue: epilogue, workspace: workspace)
        } else if inputChannels < Conv2D.gatherBelowChannels {
            gemm(Im2ColTileOperand(convolution: convolution), weights, output: output.pointer, outputStride: outputChannels,
                 epilogue: epilogue, workspace: workspace)
        } else {
            gemm(convolution, weights, output: output.pointer, outputStride: outputChannels, epilogue: epilogue, workspace: workspace)
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

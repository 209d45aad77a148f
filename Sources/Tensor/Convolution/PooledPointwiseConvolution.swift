/// A 1x1 stride-1 convolution followed by a 'valid' average pool, computed in the other order: the pool first, over the
/// convolution's input (pre-activated, if the convolution has a pre-activation), then the convolution over the pooled
/// pixels. The two commute up to rounding: the convolution maps each pixel on its own and linearly, so averaging its
/// outputs over a window is averaging its inputs first. A 2x2 pool leaves a quarter of the pixels to multiply: DenseNet's
/// three transitions (BatchNormalization, ReLU, 1x1 convolution, 2x2 average pool) took 1.5 of DenseNet121's 13.4 ms at
/// batch 1, nearly all of it in the convolution.
public struct PooledPointwiseConvolution: Sendable {
    /// The convolution, without its pre-activation: that is applied to the input before the pool.
    public let convolution: Conv2D
    public let preActivation: Conv2D.PreActivation?
    public let poolSize: (Int, Int)
    public let strides: (Int, Int)

    /// `convolution` must be an ungrouped 1x1 stride-1 convolution by GEMM without zero padding whose outputs nothing
    /// follows (no activation, no residual): only then does it commute with the pool.
    public init(convolution: Conv2D, poolSize: (Int, Int), strides: (Int, Int)) throws {
        guard convolution.kernelHeight == 1, convolution.kernelWidth == 1, convolution.strides == (1, 1), convolution.dilation == (1, 1),
              convolution.groups == 1, convolution.zeroPadding == .none, convolution.activation == .linear else {
            throw TensorError.invalidArgument(operation: "pooled conv2d", detail: "the pool commutes only with an ungrouped, linear 1x1 "
                                              + "stride-1 convolution without zero padding")
        }
        guard poolSize.0 > 0, poolSize.1 > 0, strides.0 > 0, strides.1 > 0 else {
            throw TensorError.invalidArgument(operation: "pooled conv2d", detail: "pool size \(poolSize) and strides \(strides) must be positive")
        }
        self.convolution = try Conv2D(kernel: convolution.kernel, bias: convolution.bias)
        preActivation = convolution.preActivation
        self.poolSize = poolSize
        self.strides = strides
    }

    /// The pooled image of `input`: 'valid' windows, as Keras' AveragePooling2D takes them.
    private func pooledImage(_ input: Tensor) throws -> (input: ImageShape, pooled: ImageShape) {
        let image = try ImageShape(input, operation: "pooled conv2d")
        guard image.channels == convolution.inputChannels else {
            throw TensorError.shapeMismatch(operation: "pooled conv2d", detail: "input has \(image.channels) channels, kernel expects \(convolution.inputChannels)")
        }
        guard image.height >= poolSize.0, image.width >= poolSize.1 else {
            throw TensorError.shapeMismatch(operation: "pooled conv2d", detail: "input \(input.shape) is smaller than the \(poolSize) pool")
        }
        return (image, ImageShape(batch: image.batch, height: (image.height - poolSize.0) / strides.0 + 1,
                                  width: (image.width - poolSize.1) / strides.1 + 1, channels: image.channels))
    }

    public func outputShape(for input: Tensor) throws -> [Int] {
        let pooled = try pooledImage(input).pooled
        return [pooled.batch, pooled.height, pooled.width, convolution.outputChannels]
    }

    /// Pools the (pre-activated) input into the workspace, pixels split between the workers, then runs the convolution.
    public func forward(_ input: Tensor, into output: Tensor, workspace: Workspace) throws {
        let (image, pooled) = try pooledImage(input)
        let pixels = pooled.batch * pooled.height * pooled.width, channels = image.channels
        let pooledInput = try Tensor(shape: pooled.dimensions, storage: workspace.storage(for: .pooled, count: pixels * channels), offset: 0)
        let (poolSize, strides, preActivation) = (poolSize, strides, preActivation)
        let source = SendablePointer(UnsafeMutablePointer(mutating: input.pointer)), target = SendablePointer(pooledInput.pointer)
        splitAcrossWorkers(pixels, granule: 1, parallelFrom: 1) { range in
            // One input pixel, pre-activated, at a time.
            let activated = UnsafeMutablePointer<Float>.allocate(capacity: channels)
            defer { activated.deallocate() }
            for pixel in range {
                let column = pixel % pooled.width, row = pixel / pooled.width % pooled.height, n = pixel / (pooled.width * pooled.height)
                let sum = target.pointer + pixel * channels
                sum.update(repeating: 0, count: channels)
                for i in 0..<poolSize.0 {
                    for j in 0..<poolSize.1 {
                        var value = UnsafePointer(source.pointer
                            + ((n * image.height + row * strides.0 + i) * image.width + column * strides.1 + j) * channels)
                        if let preActivation {
                            preActivation.norm.normalizeRows(value, stride: channels, rows: 1, into: activated, activation: preActivation.activation)
                            value = UnsafePointer(activated)
                        }
                        combineVectors(sum, value, count: channels) { $0 + $1 }
                    }
                }
                let count = Float(poolSize.0 * poolSize.1)
                transformVectors(sum, count: channels) { $0 / count }
            }
        }
        try convolution.forward(pooledInput, into: output, workspace: workspace)
    }
}

import Converter

/// The Keras layer vocabulary the architecture files are written in, so that they read like
/// `keras.applications`: `x = b.conv2d("block1_conv1", x, filters: 64, kernel: 3, activation: "relu")`.
extension GraphBuilder {
    /// Keras' `kernel_size` of a convolution: one number for a square kernel (`kernel: 3`), or rows and columns
    /// (`kernel: .init(rows: 1, columns: 7)`, InceptionV3's factorised 7x7).
    public struct KernelSize: ExpressibleByIntegerLiteral, Sendable {
        public let rows: Int
        public let columns: Int

        public init(rows: Int, columns: Int) { (self.rows, self.columns) = (rows, columns) }
        public init(integerLiteral size: Int) { self.init(rows: size, columns: size) }
        public static func square(_ size: Int) -> KernelSize { KernelSize(rows: size, columns: size) }
    }

    /// Keras' defaults for what training reads (initialisers, momentum) come with every layer, as
    /// Keras writes them into a config, so a graph built here and one imported from Keras agree.
    /// `kernelInitializer`: e.g. EfficientNet's `VarianceScaling`; Keras' `GlorotUniform` when nil.
    public mutating func conv2d(_ name: String, _ x: Node, filters: Int, kernel: KernelSize, strides: Int = 1,
                                padding: String = "valid", activation: String = "linear", useBias: Bool = true,
                                kernelInitializer: AttributeValue? = nil, trainable: Bool = true) throws -> Node {
        var attributes: [String: AttributeValue] = [
            "filters": .int(filters), "kernel_size": .ints([kernel.rows, kernel.columns]), "strides": .ints([strides, strides]),
            "padding": .string(padding), "dilation_rate": .ints([1, 1]), "use_bias": .bool(useBias),
            "activation": .string(activation),
        ]
        if let kernelInitializer { attributes["kernel_initializer"] = kernelInitializer }
        return try add(name, .conv2d, attributes.merging(TrainingAttributes.weightedLayerDefaults) { own, _ in own },
                       inputs: [x], trainable: trainable)
    }

    /// Keras' `DepthwiseConv2D` (one `kernel`, as Keras 3 names it).
    public mutating func depthwiseConv2d(_ name: String, _ x: Node, kernel: Int, strides: Int = 1, padding: String = "valid",
                                         useBias: Bool = true, kernelInitializer: AttributeValue? = nil) throws -> Node {
        var attributes: [String: AttributeValue] = [
            "depth_multiplier": .int(1), "kernel_size": .ints([kernel, kernel]), "strides": .ints([strides, strides]),
            "padding": .string(padding), "dilation_rate": .ints([1, 1]), "use_bias": .bool(useBias), "activation": .string("linear"),
        ]
        if let kernelInitializer { attributes["kernel_initializer"] = kernelInitializer }
        return try add(name, .depthwiseConv2d, attributes.merging(TrainingAttributes.weightedLayerDefaults) { own, _ in own }, inputs: [x])
    }

    /// Keras' `SeparableConv2D`: a depthwise stage, then a 1x1 convolution to `filters`.
    public mutating func separableConv2d(_ name: String, _ x: Node, filters: Int, kernel: Int, padding: String = "valid",
                                         useBias: Bool = true) throws -> Node {
        let attributes: [String: AttributeValue] = [
            "filters": .int(filters), "depth_multiplier": .int(1), "kernel_size": .ints([kernel, kernel]), "strides": .ints([1, 1]),
            "padding": .string(padding), "dilation_rate": .ints([1, 1]), "use_bias": .bool(useBias), "activation": .string("linear"),
        ]
        return try add(name, .separableConv2d, attributes.merging(TrainingAttributes.separableDefaults) { own, _ in own }, inputs: [x])
    }

    /// `kernelRegularizer`: e.g. `TrainingAttributes.l2(0.001)`, Keras' `kernel_regularizer=l2(0.001)`.
    public mutating func dense(_ name: String, _ x: Node, units: Int, activation: String = "linear",
                               kernelInitializer: AttributeValue? = nil, kernelRegularizer: AttributeValue? = nil) throws -> Node {
        var attributes: [String: AttributeValue] = ["units": .int(units), "use_bias": .bool(true), "activation": .string(activation)]
        if let kernelInitializer { attributes["kernel_initializer"] = kernelInitializer }
        attributes.merge(TrainingAttributes.weightedLayerDefaults) { own, _ in own }
        if let kernelRegularizer { attributes["kernel_regularizer"] = kernelRegularizer }
        return try add(name, .dense, attributes, inputs: [x])
    }

    /// `scale: false` is Keras' `scale=False` (InceptionV3's): no `gamma`, the next layer's weights can do the scaling.
    public mutating func batchNorm(_ name: String, _ x: Node, epsilon: Double = 1e-3,
                                   momentum: Double = TrainingAttributes.defaultMomentum, scale: Bool = true) throws -> Node {
        let attributes: [String: AttributeValue] = ["epsilon": .double(epsilon), "center": .bool(true), "scale": .bool(scale),
                                                    "momentum": .double(momentum)]
        return try add(name, .batchNorm, attributes.merging(TrainingAttributes.batchNormDefaults) { own, _ in own }, inputs: [x])
    }

    public mutating func activation(_ name: String, _ x: Node, _ function: String, alpha: Double? = nil) throws -> Node {
        var attributes: [String: AttributeValue] = ["activation": .string(function)]
        if let alpha { attributes["alpha"] = .double(alpha) }
        return try add(name, .activation, attributes, inputs: [x])
    }

    /// Keras' `ReLU(6.0)` layer (MobileNetV2's), which runs as the relu6 activation.
    public mutating func relu6(_ name: String, _ x: Node) throws -> Node {
        try add(name, .activation, ["activation": .string("relu"), "max_value": .double(6)], inputs: [x])
    }

    public mutating func maxPool2d(_ name: String, _ x: Node, size: Int, strides: Int, padding: String = "valid") throws -> Node {
        try pool2d(name, .maxPool2d, x, size: size, strides: strides, padding: padding)
    }

    public mutating func averagePool2d(_ name: String, _ x: Node, size: Int, strides: Int, padding: String = "valid") throws -> Node {
        try pool2d(name, .avgPool2d, x, size: size, strides: strides, padding: padding)
    }

    private mutating func pool2d(_ name: String, _ op: Op, _ x: Node, size: Int, strides: Int, padding: String) throws -> Node {
        try add(name, op, ["pool_size": .ints([size, size]), "strides": .ints([strides, strides]),
                           "padding": .string(padding)], inputs: [x])
    }

    /// `axis` counts the batch axis, as Keras' does (3 or -1: the channels).
    public mutating func concatenate(_ name: String, _ inputs: [Node], axis: Int) throws -> Node {
        try add(name, .concatenate, ["axis": .int(axis)], inputs: inputs)
    }

    public mutating func zeroPad2d(_ name: String, _ x: Node, _ pad: Int) throws -> Node {
        try zeroPad2d(name, x, top: pad, bottom: pad, left: pad, right: pad)
    }

    public mutating func zeroPad2d(_ name: String, _ x: Node, top: Int, bottom: Int, left: Int, right: Int) throws -> Node {
        try add(name, .zeroPad2d, ["padding": .ints([top, bottom, left, right])], inputs: [x])
    }

    public mutating func globalAvgPool2d(_ name: String, _ x: Node) throws -> Node {
        try add(name, .globalAvgPool2d, ["keepdims": .bool(false)], inputs: [x])
    }

    /// The ImageNet top of keras.applications' ResNets and DenseNets: global average pooling (`avg_pool`), then the
    /// softmax classifier (`predictions`).
    public mutating func pooledClassifier(_ x: Node, classes: Int) throws -> Node {
        try dense("predictions", globalAvgPool2d("avg_pool", x), units: classes, activation: "softmax")
    }

    public mutating func flatten(_ name: String, _ x: Node) throws -> Node {
        try add(name, .flatten, inputs: [x])
    }

    /// `noiseShape`: Keras' `noise_shape` with -1 for None (EfficientNet's stochastic depth drops whole samples).
    public mutating func dropout(_ name: String, _ x: Node, rate: Double, noiseShape: [Int]? = nil) throws -> Node {
        var attributes: [String: AttributeValue] = ["kind": .string("dropout"), "rate": .double(rate)]
        if let noiseShape { attributes["noise_shape"] = .ints(noiseShape) }
        return try add(name, .dropout, attributes, inputs: [x])
    }

    /// Keras' `Rescaling(scale, offset)`: one value, or one per channel.
    public mutating func rescaling(_ name: String, _ x: Node, scale: [Double], offset: [Double] = [0]) throws -> Node {
        try add(name, .rescaling, ["scale": .doubles(scale), "offset": .doubles(offset)], inputs: [x])
    }

    /// Keras' `Normalization(axis)` whose mean and variance are weights (adapted, or loaded with a model's weights).
    public mutating func normalization(_ name: String, _ x: Node, axis: Int) throws -> Node {
        try add(name, .normalization, ["axis": .ints([axis]), "invert": .bool(false)], inputs: [x])
    }

    /// Keras' `Reshape(target_shape)`.
    public mutating func reshape(_ name: String, _ x: Node, _ targetShape: [Int]) throws -> Node {
        try add(name, .reshape, ["target_shape": .ints(targetShape)], inputs: [x])
    }

    /// `imagenet_utils.correct_pad(x, kernel)`: the zero padding keras.applications puts before a stride-2 'valid'
    /// convolution, `kernel / 2` pixels at the bottom and right, one fewer at the top and left unless the size is odd
    /// (an open size counts as even).
    public mutating func correctPad(_ name: String, _ x: Node, kernel: Int) throws -> Node {
        func before(_ size: Int?) -> Int { kernel / 2 - (1 - (size ?? 0) % 2) }
        return try zeroPad2d(name, x, top: before(x.shape[0] ?? nil), bottom: kernel / 2,
                             left: before(x.shape[1] ?? nil), right: kernel / 2)
    }
}

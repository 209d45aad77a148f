import Converter

/// MobileNetV2 (Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks", 2018) at width 1.0, layer for
/// layer as `keras.applications.mobilenet_v2` defines it: a 3x3 stride-2 stem, seventeen inverted residual blocks (a 1x1
/// expansion to six times the channels, a 3x3 depthwise convolution, a linear 1x1 projection, and a shortcut add where
/// the shape allows), a 1x1 convolution to 1280 channels, and the classifier. Every BatchNormalization has epsilon 1e-3
/// and momentum 0.999; every activation is `ReLU(6.0)`; convolutions have no bias.
public enum MobileNetV2 {
    /// Per block after the first: output channels, stride and expansion, as `MobileNetV2` calls `_inverted_res_block`
    /// for block ids 1 to 16 (block 0 has expansion 1: no expansion layer).
    static let blocks: [(filters: Int, stride: Int)] = [
        (24, 2), (24, 1), (32, 2), (32, 1), (32, 1), (64, 2), (64, 1), (64, 1), (64, 1),
        (96, 1), (96, 1), (96, 1), (160, 2), (160, 1), (160, 1), (320, 1),
    ]
    static let expansion = 6
    static let epsilon = 1e-3
    static let momentum = 0.999

    /// - Parameter inputShape: height, width, channels; nil sizes are left open, as Keras does without a top.
    public static func graph(includeTop: Bool = true, classes: Int = 1000, inputShape: [Int?]? = nil) throws -> ModelGraph {
        let shape = inputShape ?? (includeTop ? [224, 224, 3] : [nil, nil, 3])
        // Keras names the model after its width and its input's rows (None when they are open).
        var b = GraphBuilder(name: "mobilenetv2_1.00_\((shape[0] ?? nil).map(String.init) ?? "None")")
        let input = try b.input("input_1", shape: shape)
        var x = try b.conv2d("Conv1", input, filters: 32, kernel: 3, strides: 2, padding: "same", useBias: false)
        x = try b.batchNorm("bn_Conv1", x, epsilon: epsilon, momentum: momentum)
        x = try b.relu6("Conv1_relu", x)

        x = try invertedResidualBlock(&b, x, filters: 16, stride: 1, expansion: 1, id: 0)
        for (index, block) in blocks.enumerated() {
            x = try invertedResidualBlock(&b, x, filters: block.filters, stride: block.stride, expansion: expansion, id: index + 1)
        }

        x = try b.conv2d("Conv_1", x, filters: 1280, kernel: 1, useBias: false)
        x = try b.batchNorm("Conv_1_bn", x, epsilon: epsilon, momentum: momentum)
        x = try b.relu6("out_relu", x)
        if includeTop {
            // The pooling has no name in Keras' source: this is the name Keras gives it.
            x = try b.dense("predictions", b.globalAvgPool2d("global_average_pooling2d", x), units: classes, activation: "softmax")
        }
        return b.buildInKerasOrder(outputs: [x])
    }

    /// `_inverted_res_block`: expand (from block 1 on), a depthwise 3x3 (after `correct_pad`'s padding when it strides),
    /// a linear projection, and the shortcut when input and output have the same shape.
    static func invertedResidualBlock(_ b: inout GraphBuilder, _ input: GraphBuilder.Node, filters: Int, stride: Int, expansion: Int,
                                      id: Int) throws -> GraphBuilder.Node {
        guard let inputChannels = input.shape.last ?? nil else { throw ModelError("mobilenetv2: block \(id) has no known input channels") }
        let prefix = id == 0 ? "expanded_conv_" : "block_\(id)_"
        var x = input
        if id > 0 {
            x = try b.conv2d("\(prefix)expand", x, filters: expansion * inputChannels, kernel: 1, padding: "same", useBias: false)
            x = try b.batchNorm("\(prefix)expand_BN", x, epsilon: epsilon, momentum: momentum)
            x = try b.relu6("\(prefix)expand_relu", x)
        }
        if stride == 2 {
            x = try b.correctPad("\(prefix)pad", x, kernel: 3)
        }
        x = try b.depthwiseConv2d("\(prefix)depthwise", x, kernel: 3, strides: stride, padding: stride == 1 ? "same" : "valid", useBias: false)
        x = try b.batchNorm("\(prefix)depthwise_BN", x, epsilon: epsilon, momentum: momentum)
        x = try b.relu6("\(prefix)depthwise_relu", x)
        let outputChannels = ChannelRounding.divisible(Double(filters))
        x = try b.conv2d("\(prefix)project", x, filters: outputChannels, kernel: 1, padding: "same", useBias: false)
        x = try b.batchNorm("\(prefix)project_BN", x, epsilon: epsilon, momentum: momentum)
        if inputChannels == outputChannels && stride == 1 {
            return try b.add("\(prefix)add", .add, inputs: [input, x])
        }
        return x
    }
}

import Converter

/// DenseNet121, DenseNet169 and DenseNet201 (Huang et al., "Densely Connected Convolutional Networks", 2017)
/// layer for layer as `keras.applications.densenet` defines them: a 7x7 stride-2 stem and max pool, four dense
/// blocks whose every conv block appends 32 new channels (growth rate) to its input by concatenation, a
/// transition between blocks that halves the channels (1x1 convolution) and the size (2x2 average pool), and a
/// final BatchNormalization and ReLU. Convolutions have no bias; BatchNormalization has epsilon 1.001e-5.
public enum DenseNet {
    /// Conv blocks per dense block, as `DenseNet121`, `DenseNet169` and `DenseNet201` pass them.
    public static let densenet121Blocks = [6, 12, 24, 16]
    public static let densenet169Blocks = [6, 12, 32, 32]
    public static let densenet201Blocks = [6, 12, 48, 32]

    static let epsilon = 1.001e-5
    static let growthRate = 32
    /// `transition_block(x, 0.5, ...)`: the share of channels a transition keeps.
    static let reduction = 0.5
    /// Keras' channel axis (`bn_axis` = 3, batch axis included), which the concatenations name explicitly.
    static let channelAxis = 3

    /// - Parameters:
    ///   - name: the Keras model name (`densenet121`, `densenet169`, `densenet201`).
    ///   - inputShape: height, width, channels; nil sizes are left open, as Keras does without a top.
    public static func graph(name: String, blocks: [Int], includeTop: Bool = true, classes: Int = 1000,
                             inputShape: [Int?]? = nil) throws -> ModelGraph {
        var b = GraphBuilder(name: name)
        let input = try b.input("input_1", shape: inputShape ?? (includeTop ? [224, 224, 3] : [nil, nil, 3]))
        // The two paddings have no name in Keras' source: these are the names Keras gives them.
        var x = try b.zeroPad2d("zero_padding2d", input, 3)
        x = try b.conv2d("conv1_conv", x, filters: 64, kernel: 7, strides: 2, useBias: false)
        x = try b.batchNorm("conv1_bn", x, epsilon: epsilon)
        x = try b.activation("conv1_relu", x, "relu")
        x = try b.zeroPad2d("zero_padding2d_1", x, 1)
        x = try b.maxPool2d("pool1", x, size: 3, strides: 2)

        for (index, convBlocks) in blocks.enumerated() {
            x = try denseBlock(&b, x, blocks: convBlocks, name: "conv\(index + 2)")
            if index < blocks.count - 1 {
                x = try transitionBlock(&b, x, name: "pool\(index + 2)")
            }
        }
        x = try b.batchNorm("bn", x, epsilon: epsilon)
        x = try b.activation("relu", x, "relu")

        if includeTop {
            x = try b.pooledClassifier(x, classes: classes)
        }
        return b.buildInKerasOrder(outputs: [x])
    }

    /// `dense_block`: conv blocks, each appending `growthRate` channels.
    static func denseBlock(_ b: inout GraphBuilder, _ input: GraphBuilder.Node, blocks: Int, name: String) throws -> GraphBuilder.Node {
        var x = input
        for index in 1...blocks {
            x = try convBlock(&b, x, name: "\(name)_block\(index)")
        }
        return x
    }

    /// `conv_block`: BatchNormalization, ReLU, 1x1 convolution to 4x the growth rate, BatchNormalization, ReLU,
    /// 3x3 convolution to the growth rate; its output concatenated after the block's input.
    static func convBlock(_ b: inout GraphBuilder, _ input: GraphBuilder.Node, name: String) throws -> GraphBuilder.Node {
        var x = try b.batchNorm("\(name)_0_bn", input, epsilon: epsilon)
        x = try b.activation("\(name)_0_relu", x, "relu")
        x = try b.conv2d("\(name)_1_conv", x, filters: 4 * growthRate, kernel: 1, useBias: false)
        x = try b.batchNorm("\(name)_1_bn", x, epsilon: epsilon)
        x = try b.activation("\(name)_1_relu", x, "relu")
        x = try b.conv2d("\(name)_2_conv", x, filters: growthRate, kernel: 3, padding: "same", useBias: false)
        return try b.concatenate("\(name)_concat", [input, x], axis: channelAxis)
    }

    /// `transition_block`: BatchNormalization, ReLU, a 1x1 convolution keeping `reduction` of the channels, and a
    /// 2x2 stride-2 average pool.
    static func transitionBlock(_ b: inout GraphBuilder, _ input: GraphBuilder.Node, name: String) throws -> GraphBuilder.Node {
        var x = try b.batchNorm("\(name)_bn", input, epsilon: epsilon)
        x = try b.activation("\(name)_relu", x, "relu")
        let channels = try channelCount(of: x, layer: name)
        x = try b.conv2d("\(name)_conv", x, filters: Int(Double(channels) * reduction), kernel: 1, useBias: false)
        return try b.averagePool2d("\(name)_pool", x, size: 2, strides: 2)
    }

    private static func channelCount(of node: GraphBuilder.Node, layer: String) throws -> Int {
        guard let channels = node.shape.last ?? nil else { throw ModelError("densenet: \(layer) has no known channel count") }
        return channels
    }
}

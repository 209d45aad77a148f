import Converter

/// Xception (Chollet, "Xception: Deep Learning with Depthwise Separable Convolutions", 2017) layer for layer as
/// `keras.applications.xception` defines it: two plain 3x3 convolutions, an entry flow of three blocks that halve the
/// size (two separable convolutions and a 3x3 stride-2 max pool, beside a 1x1 stride-2 shortcut convolution), a middle
/// flow of eight residual blocks of three separable convolutions at 728 channels, an exit block like the entry ones,
/// two last separable convolutions to 2048 channels, and the classifier. Every convolution is bias-free and followed by
/// a BatchNormalization with Keras' defaults (epsilon 1e-3); separable convolutions are 3x3 'same'.
public enum Xception {
    /// Blocks 2, 3, 4 and 13: the channels of their two separable convolutions and of their shortcut.
    static let entryFlow = [(128, 128), (256, 256), (728, 728)]
    static let exitBlock = (728, 1024)
    static let middleBlocks = 8
    static let middleChannels = 728

    /// - Parameter inputShape: height, width, channels; nil sizes are left open, as Keras does without a top.
    public static func graph(includeTop: Bool = true, classes: Int = 1000, inputShape: [Int?]? = nil) throws -> ModelGraph {
        var b = GraphBuilder(name: "xception")
        var names = AutomaticNames()      // for the shortcuts, their BatchNormalizations and the adds, unnamed in xception.py
        let input = try b.input("input_1", shape: inputShape ?? (includeTop ? [299, 299, 3] : [nil, nil, 3]))
        var x = try b.conv2d("block1_conv1", input, filters: 32, kernel: 3, strides: 2, useBias: false)
        x = try b.batchNorm("block1_conv1_bn", x)
        x = try b.activation("block1_conv1_act", x, "relu")
        x = try b.conv2d("block1_conv2", x, filters: 64, kernel: 3, useBias: false)
        x = try b.batchNorm("block1_conv2_bn", x)
        x = try b.activation("block1_conv2_act", x, "relu")

        for (index, channels) in entryFlow.enumerated() {
            // Block 2 follows the stem's ReLU; the later ones start with their own.
            x = try downsamplingBlock(&b, x, block: index + 2, channels: channels, leadingActivation: index > 0, names: &names)
        }
        for index in 0..<middleBlocks {
            x = try middleBlock(&b, x, block: index + 5, names: &names)
        }
        x = try downsamplingBlock(&b, x, block: 13, channels: exitBlock, leadingActivation: true, names: &names)

        x = try separable(&b, x, filters: 1536, name: "block14_sepconv1")
        x = try b.activation("block14_sepconv1_act", x, "relu")
        x = try separable(&b, x, filters: 2048, name: "block14_sepconv2")
        x = try b.activation("block14_sepconv2_act", x, "relu")
        if includeTop {
            x = try b.pooledClassifier(x, classes: classes)
        }
        return b.buildInKerasOrder(outputs: [x])
    }

    /// An entry-flow or exit block: a 1x1 stride-2 shortcut convolution and its BatchNormalization, then (ReLU,)
    /// separable convolution, ReLU, separable convolution, a 3x3 stride-2 'same' max pool, and the add.
    static func downsamplingBlock(_ b: inout GraphBuilder, _ input: GraphBuilder.Node, block: Int, channels: (Int, Int),
                                  leadingActivation: Bool, names: inout AutomaticNames) throws -> GraphBuilder.Node {
        var residual = try b.conv2d(names.next("conv2d"), input, filters: channels.1, kernel: 1, strides: 2, padding: "same", useBias: false)
        residual = try b.batchNorm(names.next("batch_normalization"), residual)
        var x = input
        if leadingActivation { x = try b.activation("block\(block)_sepconv1_act", x, "relu") }
        x = try separable(&b, x, filters: channels.0, name: "block\(block)_sepconv1")
        x = try b.activation("block\(block)_sepconv2_act", x, "relu")
        x = try separable(&b, x, filters: channels.1, name: "block\(block)_sepconv2")
        x = try b.maxPool2d("block\(block)_pool", x, size: 3, strides: 2, padding: "same")
        return try b.add(names.next("add"), .add, inputs: [x, residual])
    }

    /// A middle-flow block: three times ReLU, separable convolution and BatchNormalization, added to the block's input.
    static func middleBlock(_ b: inout GraphBuilder, _ input: GraphBuilder.Node, block: Int,
                            names: inout AutomaticNames) throws -> GraphBuilder.Node {
        var x = input
        for convolution in 1...3 {
            x = try b.activation("block\(block)_sepconv\(convolution)_act", x, "relu")
            x = try separable(&b, x, filters: middleChannels, name: "block\(block)_sepconv\(convolution)")
        }
        return try b.add(names.next("add"), .add, inputs: [x, input])
    }

    /// A bias-free 3x3 'same' separable convolution and its BatchNormalization (`NAME_bn`).
    static func separable(_ b: inout GraphBuilder, _ x: GraphBuilder.Node, filters: Int, name: String) throws -> GraphBuilder.Node {
        try b.batchNorm("\(name)_bn", b.separableConv2d(name, x, filters: filters, kernel: 3, padding: "same", useBias: false))
    }
}

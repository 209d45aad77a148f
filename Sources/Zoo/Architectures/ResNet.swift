import Converter

/// The ResNets of `keras.applications.resnet` and `resnet_v2`, built as Keras' `ResNet(stack_fn, preact, ...)`
/// builds them: the same stem (7x7 stride-2 convolution, 3x3 stride-2 max pool), four stages of bottleneck
/// blocks (64, 128, 256, 512 filters, expanded 4x), global average pooling and the classifier.
/// - v1 (He et al., "Deep Residual Learning for Image Recognition", 2015): ResNet50, ResNet101, ResNet152.
///   Each block ends in BatchNormalization, the addition and a ReLU; the stride sits on the first 1x1
///   convolution of a stage's first block; every convolution has a bias.
/// - v2 (He et al., "Identity Mappings in Deep Residual Networks", 2016): ResNet50V2. Each block starts with
///   BatchNormalization and ReLU (pre-activation) and ends in the bare addition; the stride sits on the 3x3
///   convolution of a stage's *last* block (not in conv5), padded explicitly; the network closes with
///   `post_bn` and `post_relu`.
/// BatchNormalization everywhere has epsilon 1.001e-5.
public enum ResNet {
    public enum Version: Sendable { case v1, v2 }

    /// Blocks per stage (conv2 ... conv5), as `ResNet50`'s, `ResNet101`'s and `ResNet152`'s `stack_fn` call them;
    /// ResNet50V2 has ResNet50's.
    public static let resnet50Stages = [3, 4, 6, 3]
    public static let resnet101Stages = [3, 4, 23, 3]
    public static let resnet152Stages = [3, 8, 36, 3]

    static let epsilon = 1.001e-5
    static let stageFilters = [64, 128, 256, 512]

    /// - Parameters:
    ///   - name: the Keras model name (`resnet50`, `resnet101`, `resnet152`, `resnet50v2`).
    ///   - inputShape: height, width, channels; nil sizes are left open, as Keras does without a top.
    public static func graph(name: String = "resnet50", stages: [Int] = resnet50Stages, version: Version = .v1,
                             includeTop: Bool = true, classes: Int = 1000, inputShape: [Int?]? = nil) throws -> ModelGraph {
        var b = GraphBuilder(name: name)
        let input = try b.input("input_1", shape: inputShape ?? (includeTop ? [224, 224, 3] : [nil, nil, 3]))
        var x = try b.zeroPad2d("conv1_pad", input, 3)
        x = try b.conv2d("conv1_conv", x, filters: 64, kernel: 7, strides: 2)
        if version == .v1 {
            x = try b.batchNorm("conv1_bn", x, epsilon: epsilon)
            x = try b.activation("conv1_relu", x, "relu")
        }
        x = try b.zeroPad2d("pool1_pad", x, 1)
        x = try b.maxPool2d("pool1_pool", x, size: 3, strides: 2)

        var autoNamedPools = 0    // v2's shortcut pools have no name: Keras numbers them max_pooling2d, _1, ...
        for (index, (filters, blocks)) in zip(stageFilters, stages).enumerated() {
            let stage = "conv\(index + 2)"
            switch version {
            case .v1:
                x = try stackV1(&b, x, filters: filters, blocks: blocks, firstStride: index == 0 ? 1 : 2, name: stage)
            case .v2:
                x = try stackV2(&b, x, filters: filters, blocks: blocks, lastStride: index == stages.count - 1 ? 1 : 2,
                                name: stage, autoNamedPools: &autoNamedPools)
            }
        }
        if version == .v2 {
            x = try b.batchNorm("post_bn", x, epsilon: epsilon)
            x = try b.activation("post_relu", x, "relu")
        }

        if includeTop {
            x = try b.pooledClassifier(x, classes: classes)
        }
        return b.buildInKerasOrder(outputs: [x])
    }

    /// `stack_residual_blocks_v1`: one block with a projection shortcut (which also downsamples), then identity blocks.
    static func stackV1(_ b: inout GraphBuilder, _ input: GraphBuilder.Node, filters: Int, blocks: Int,
                        firstStride: Int, name: String) throws -> GraphBuilder.Node {
        var x = try blockV1(&b, input, filters: filters, strides: firstStride, projection: true, name: "\(name)_block1")
        for index in 2...blocks {
            x = try blockV1(&b, x, filters: filters, projection: false, name: "\(name)_block\(index)")
        }
        return x
    }

    /// `residual_block_v1`: 1x1 reduce, 3x3, 1x1 expand to 4x the filters, each with BatchNormalization; plus
    /// the shortcut, then ReLU.
    static func blockV1(_ b: inout GraphBuilder, _ input: GraphBuilder.Node, filters: Int, strides: Int = 1,
                        projection: Bool, name: String) throws -> GraphBuilder.Node {
        var shortcut = input
        if projection {
            shortcut = try b.conv2d("\(name)_0_conv", input, filters: 4 * filters, kernel: 1, strides: strides)
            shortcut = try b.batchNorm("\(name)_0_bn", shortcut, epsilon: epsilon)
        }
        var x = try b.conv2d("\(name)_1_conv", input, filters: filters, kernel: 1, strides: strides)
        x = try b.batchNorm("\(name)_1_bn", x, epsilon: epsilon)
        x = try b.activation("\(name)_1_relu", x, "relu")
        x = try b.conv2d("\(name)_2_conv", x, filters: filters, kernel: 3, padding: "same")
        x = try b.batchNorm("\(name)_2_bn", x, epsilon: epsilon)
        x = try b.activation("\(name)_2_relu", x, "relu")
        x = try b.conv2d("\(name)_3_conv", x, filters: 4 * filters, kernel: 1)
        x = try b.batchNorm("\(name)_3_bn", x, epsilon: epsilon)
        x = try b.add("\(name)_add", .add, inputs: [shortcut, x])
        return try b.activation("\(name)_out", x, "relu")
    }

    /// `stack_residual_blocks_v2`: a first block with a projection shortcut (stride 1), identity blocks, and a
    /// last block that downsamples.
    static func stackV2(_ b: inout GraphBuilder, _ input: GraphBuilder.Node, filters: Int, blocks: Int,
                        lastStride: Int, name: String, autoNamedPools: inout Int) throws -> GraphBuilder.Node {
        var x = try blockV2(&b, input, filters: filters, projection: true, name: "\(name)_block1", autoNamedPools: &autoNamedPools)
        for index in 2..<blocks {
            x = try blockV2(&b, x, filters: filters, projection: false, name: "\(name)_block\(index)", autoNamedPools: &autoNamedPools)
        }
        return try blockV2(&b, x, filters: filters, strides: lastStride, projection: false, name: "\(name)_block\(blocks)",
                           autoNamedPools: &autoNamedPools)
    }

    /// `residual_block_v2`: BatchNormalization and ReLU first; the projection shortcut reads the activated input,
    /// the identity shortcut the raw input (a 1x1 max pool with the block's stride when it downsamples).
    static func blockV2(_ b: inout GraphBuilder, _ input: GraphBuilder.Node, filters: Int, strides: Int = 1,
                        projection: Bool, name: String, autoNamedPools: inout Int) throws -> GraphBuilder.Node {
        var preact = try b.batchNorm("\(name)_preact_bn", input, epsilon: epsilon)
        preact = try b.activation("\(name)_preact_relu", preact, "relu")
        var shortcut = input
        if projection {
            shortcut = try b.conv2d("\(name)_0_conv", preact, filters: 4 * filters, kernel: 1, strides: strides)
        } else if strides > 1 {
            let poolName = autoNamedPools == 0 ? "max_pooling2d" : "max_pooling2d_\(autoNamedPools)"
            autoNamedPools += 1
            shortcut = try b.maxPool2d(poolName, input, size: 1, strides: strides)
        }
        var x = try b.conv2d("\(name)_1_conv", preact, filters: filters, kernel: 1, useBias: false)
        x = try b.batchNorm("\(name)_1_bn", x, epsilon: epsilon)
        x = try b.activation("\(name)_1_relu", x, "relu")
        x = try b.zeroPad2d("\(name)_2_pad", x, 1)
        x = try b.conv2d("\(name)_2_conv", x, filters: filters, kernel: 3, strides: strides, useBias: false)
        x = try b.batchNorm("\(name)_2_bn", x, epsilon: epsilon)
        x = try b.activation("\(name)_2_relu", x, "relu")
        x = try b.conv2d("\(name)_3_conv", x, filters: 4 * filters, kernel: 1)
        return try b.add("\(name)_out", .add, inputs: [shortcut, x])
    }
}

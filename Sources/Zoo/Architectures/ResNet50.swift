import Converter

/// ResNet50 (He et al., "Deep Residual Learning for Image Recognition", 2015) as
/// `keras.applications.resnet` defines it today: bottleneck blocks whose stride sits on the first
/// 1x1 convolution, every convolution with a bias, BatchNormalization with epsilon 1.001e-5.
public enum ResNet50 {
    static let epsilon = 1.001e-5

    public static func graph(includeTop: Bool = true, classes: Int = 1000, inputShape: [Int?]? = nil) throws -> ModelGraph {
        var b = GraphBuilder(name: "resnet50")
        let input = try b.input("input_1", shape: inputShape ?? (includeTop ? [224, 224, 3] : [nil, nil, 3]))
        var x = try b.zeroPad2d("conv1_pad", input, 3)
        x = try b.conv2d("conv1_conv", x, filters: 64, kernel: 7, strides: 2)
        x = try b.batchNorm("conv1_bn", x, epsilon: epsilon)
        x = try b.activation("conv1_relu", x, "relu")
        x = try b.zeroPad2d("pool1_pad", x, 1)
        x = try b.maxPool2d("pool1_pool", x, size: 3, strides: 2)

        x = try stack(&b, x, filters: 64, blocks: 3, firstStride: 1, name: "conv2")
        x = try stack(&b, x, filters: 128, blocks: 4, name: "conv3")
        x = try stack(&b, x, filters: 256, blocks: 6, name: "conv4")
        x = try stack(&b, x, filters: 512, blocks: 3, name: "conv5")

        if includeTop {
            x = try b.globalAvgPool2d("avg_pool", x)
            x = try b.dense("predictions", x, units: classes, activation: "softmax")
        }
        return b.buildInKerasOrder(outputs: [x])
    }

    /// A stage: one block with a projection shortcut (which also downsamples), then identity blocks.
    static func stack(_ b: inout GraphBuilder, _ input: GraphBuilder.Node, filters: Int, blocks: Int,
                      firstStride: Int = 2, name: String) throws -> GraphBuilder.Node {
        var x = try block(&b, input, filters: filters, strides: firstStride, projection: true, name: "\(name)_block1")
        for index in 2...blocks {
            x = try block(&b, x, filters: filters, projection: false, name: "\(name)_block\(index)")
        }
        return x
    }

    /// The bottleneck residual block: 1x1 reduce, 3x3, 1x1 expand to 4x the filters, plus the shortcut.
    static func block(_ b: inout GraphBuilder, _ input: GraphBuilder.Node, filters: Int, strides: Int = 1,
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
}

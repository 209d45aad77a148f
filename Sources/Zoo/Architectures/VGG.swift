import Converter

/// VGG16 and VGG19 (Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
/// Recognition", 2014), layer for layer as `keras.applications.vgg16` / `vgg19` define them:
/// five blocks of 3x3 'same' ReLU convolutions, each closed by a 2x2 max pool, then the
/// fully-connected top.
public enum VGG {
    /// Convolutions per block: VGG16 has 2-2-3-3-3, VGG19 2-2-4-4-4.
    public static let vgg16Blocks = [2, 2, 3, 3, 3]
    public static let vgg19Blocks = [2, 2, 4, 4, 4]

    /// - Parameters:
    ///   - includeTop: the three fully-connected layers (which fix the input at 224x224).
    ///   - inputShape: height, width, channels; nil sizes are left open, as Keras does without a top.
    public static func graph(name: String, blocks: [Int], includeTop: Bool = true, classes: Int = 1000,
                             inputShape: [Int?]? = nil) throws -> ModelGraph {
        var b = GraphBuilder(name: name)
        let input = try b.input("input_1", shape: inputShape ?? (includeTop ? [224, 224, 3] : [nil, nil, 3]))
        var x = input
        let widths = [64, 128, 256, 512, 512]
        for (block, convolutions) in blocks.enumerated() {
            for index in 1...convolutions {
                x = try b.conv2d("block\(block + 1)_conv\(index)", x, filters: widths[block], kernel: 3,
                                 padding: "same", activation: "relu")
            }
            x = try b.maxPool2d("block\(block + 1)_pool", x, size: 2, strides: 2)
        }
        if includeTop {
            x = try b.flatten("flatten", x)
            x = try b.dense("fc1", x, units: 4096, activation: "relu")
            x = try b.dense("fc2", x, units: 4096, activation: "relu")
            x = try b.dense("predictions", x, units: classes, activation: "softmax")
        }
        return b.buildInKerasOrder(outputs: [x])
    }
}

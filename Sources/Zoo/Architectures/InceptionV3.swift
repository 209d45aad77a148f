import Converter

/// InceptionV3 (Szegedy et al., "Rethinking the Inception Architecture for Computer Vision", 2016) layer for layer as
/// `keras.applications.inception_v3` defines it: a stem of five convolutions and two 3x3 stride-2 max pools, three
/// 35x35 modules (mixed0-2), a reduction to 17x17 (mixed3), four 17x17 modules whose 7x7 convolutions are factorised
/// into 1x7 and 7x1 (mixed4-7), a reduction to 8x8 (mixed8), two 8x8 modules whose 3x3 convolutions end split into
/// 1x3 and 3x1 side by side (mixed9, mixed10), and the classifier. Every convolution is inception_v3.py's `conv2d_bn`:
/// bias-free, then a BatchNormalization without scale (epsilon 1e-3) and a ReLU. A module's branches are concatenated
/// on the channels; its pooled branch averages over a 3x3 'same' window (the padding left out of the count).
public enum InceptionV3 {
    /// The pooled branch's channels in the 35x35 modules mixed0, mixed1 and mixed2.
    static let poolChannels35 = [32, 64, 64]
    /// The channels inside the factorised 7x7 branches of the 17x17 modules mixed4, mixed5, mixed6 and mixed7.
    static let channels7x7 = [128, 160, 160, 192]
    static let modules8 = 2

    /// - Parameter inputShape: height, width, channels; nil sizes are left open, as Keras does without a top.
    public static func graph(includeTop: Bool = true, classes: Int = 1000, inputShape: [Int?]? = nil) throws -> ModelGraph {
        var k = Modules(b: GraphBuilder(name: "inception_v3"))
        let input = try k.b.input("input_1", shape: inputShape ?? (includeTop ? [299, 299, 3] : [nil, nil, 3]))
        var x = try k.conv2dBN(input, 32, 3, 3, strides: 2, padding: "valid")
        x = try k.conv2dBN(x, 32, 3, 3, padding: "valid")
        x = try k.conv2dBN(x, 64, 3, 3)
        x = try k.maxPool(x)

        x = try k.conv2dBN(x, 80, 1, 1, padding: "valid")
        x = try k.conv2dBN(x, 192, 3, 3, padding: "valid")
        x = try k.maxPool(x)

        for (index, poolChannels) in poolChannels35.enumerated() {
            x = try k.module35(x, poolChannels: poolChannels, name: "mixed\(index)")
        }
        x = try k.reduction35(x)
        for (index, channels) in channels7x7.enumerated() {
            x = try k.module17(x, channels: channels, name: "mixed\(index + 4)")
        }
        x = try k.reduction17(x)
        for index in 0..<modules8 {
            x = try k.module8(x, index: index)
        }
        if includeTop {
            x = try k.b.pooledClassifier(x, classes: classes)
        }
        return k.b.buildInKerasOrder(outputs: [x])
    }

    /// The modules as inception_v3.py writes them. Only the modules' concatenations have names there: every other
    /// layer gets the name Keras numbers (`conv2d_93`, `batch_normalization_93`, `activation_93`, `average_pooling2d_8`,
    /// `concatenate_1`, ...), so the layers are made here in inception_v3.py's order.
    struct Modules {
        var b: GraphBuilder
        var names = AutomaticNames()
        /// Keras' channel axis (`channel_axis` = 3, batch axis included), which the concatenations name explicitly.
        static let channelAxis = 3

        /// `conv2d_bn(x, filters, num_row, num_col, padding, strides)`.
        mutating func conv2dBN(_ x: GraphBuilder.Node, _ filters: Int, _ rows: Int, _ columns: Int, strides: Int = 1,
                               padding: String = "same") throws -> GraphBuilder.Node {
            var x = try b.conv2d(names.next("conv2d"), x, filters: filters, kernel: .init(rows: rows, columns: columns),
                                 strides: strides, padding: padding, useBias: false)
            x = try b.batchNorm(names.next("batch_normalization"), x, scale: false)
            return try b.activation(names.next("activation"), x, "relu")
        }

        /// The 3x3 stride-2 'valid' max pool of the stem and the reductions.
        mutating func maxPool(_ x: GraphBuilder.Node) throws -> GraphBuilder.Node {
            try b.maxPool2d(names.next("max_pooling2d"), x, size: 3, strides: 2)
        }

        /// A module's pooled branch: a 3x3 stride-1 'same' average, before its 1x1 convolution.
        mutating func averagePool(_ x: GraphBuilder.Node) throws -> GraphBuilder.Node {
            try b.averagePool2d(names.next("average_pooling2d"), x, size: 3, strides: 1, padding: "same")
        }

        /// The branches side by side on the channels; `name` nil for the one concatenation inception_v3.py leaves unnamed.
        mutating func concatenate(_ branches: [GraphBuilder.Node], name: String? = nil) throws -> GraphBuilder.Node {
            try b.concatenate(name ?? names.next("concatenate"), branches, axis: Self.channelAxis)
        }

        /// mixed0-2 (35 x 35 x 256, then 288): 1x1; 1x1 then 5x5; 1x1 then two 3x3; average pool then 1x1.
        mutating func module35(_ x: GraphBuilder.Node, poolChannels: Int, name: String) throws -> GraphBuilder.Node {
            let branch1x1 = try conv2dBN(x, 64, 1, 1)

            var branch5x5 = try conv2dBN(x, 48, 1, 1)
            branch5x5 = try conv2dBN(branch5x5, 64, 5, 5)

            var branch3x3dbl = try conv2dBN(x, 64, 1, 1)
            branch3x3dbl = try conv2dBN(branch3x3dbl, 96, 3, 3)
            branch3x3dbl = try conv2dBN(branch3x3dbl, 96, 3, 3)

            var branchPool = try averagePool(x)
            branchPool = try conv2dBN(branchPool, poolChannels, 1, 1)
            return try concatenate([branch1x1, branch5x5, branch3x3dbl, branchPool], name: name)
        }

        /// mixed3 (17 x 17 x 768): a stride-2 3x3; 1x1, 3x3 and a stride-2 3x3; a max pool.
        mutating func reduction35(_ x: GraphBuilder.Node) throws -> GraphBuilder.Node {
            let branch3x3 = try conv2dBN(x, 384, 3, 3, strides: 2, padding: "valid")

            var branch3x3dbl = try conv2dBN(x, 64, 1, 1)
            branch3x3dbl = try conv2dBN(branch3x3dbl, 96, 3, 3)
            branch3x3dbl = try conv2dBN(branch3x3dbl, 96, 3, 3, strides: 2, padding: "valid")

            let branchPool = try maxPool(x)
            return try concatenate([branch3x3, branch3x3dbl, branchPool], name: "mixed3")
        }

        /// mixed4-7 (17 x 17 x 768): 1x1; 1x1, 1x7, 7x1; 1x1, then 7x1 and 1x7 twice; average pool then 1x1. The
        /// factorised branches work at `channels` and end at 192, as every branch does.
        mutating func module17(_ x: GraphBuilder.Node, channels: Int, name: String) throws -> GraphBuilder.Node {
            let branch1x1 = try conv2dBN(x, 192, 1, 1)

            var branch7x7 = try conv2dBN(x, channels, 1, 1)
            branch7x7 = try conv2dBN(branch7x7, channels, 1, 7)
            branch7x7 = try conv2dBN(branch7x7, 192, 7, 1)

            var branch7x7dbl = try conv2dBN(x, channels, 1, 1)
            branch7x7dbl = try conv2dBN(branch7x7dbl, channels, 7, 1)
            branch7x7dbl = try conv2dBN(branch7x7dbl, channels, 1, 7)
            branch7x7dbl = try conv2dBN(branch7x7dbl, channels, 7, 1)
            branch7x7dbl = try conv2dBN(branch7x7dbl, 192, 1, 7)

            var branchPool = try averagePool(x)
            branchPool = try conv2dBN(branchPool, 192, 1, 1)
            return try concatenate([branch1x1, branch7x7, branch7x7dbl, branchPool], name: name)
        }

        /// mixed8 (8 x 8 x 1280): 1x1 and a stride-2 3x3; 1x1, 1x7, 7x1 and a stride-2 3x3; a max pool.
        mutating func reduction17(_ x: GraphBuilder.Node) throws -> GraphBuilder.Node {
            var branch3x3 = try conv2dBN(x, 192, 1, 1)
            branch3x3 = try conv2dBN(branch3x3, 320, 3, 3, strides: 2, padding: "valid")

            var branch7x7x3 = try conv2dBN(x, 192, 1, 1)
            branch7x7x3 = try conv2dBN(branch7x7x3, 192, 1, 7)
            branch7x7x3 = try conv2dBN(branch7x7x3, 192, 7, 1)
            branch7x7x3 = try conv2dBN(branch7x7x3, 192, 3, 3, strides: 2, padding: "valid")

            let branchPool = try maxPool(x)
            return try concatenate([branch3x3, branch7x7x3, branchPool], name: "mixed8")
        }

        /// mixed9 and mixed10 (8 x 8 x 2048): 1x1; 1x1 then 1x3 beside 3x1 (`mixed9_<index>`); 1x1, 3x3, then 1x3
        /// beside 3x1 (unnamed); average pool then 1x1.
        mutating func module8(_ x: GraphBuilder.Node, index: Int) throws -> GraphBuilder.Node {
            let branch1x1 = try conv2dBN(x, 320, 1, 1)

            var branch3x3 = try conv2dBN(x, 384, 1, 1)
            let branch3x3_1 = try conv2dBN(branch3x3, 384, 1, 3)
            let branch3x3_2 = try conv2dBN(branch3x3, 384, 3, 1)
            branch3x3 = try concatenate([branch3x3_1, branch3x3_2], name: "mixed9_\(index)")

            var branch3x3dbl = try conv2dBN(x, 448, 1, 1)
            branch3x3dbl = try conv2dBN(branch3x3dbl, 384, 3, 3)
            let branch3x3dbl_1 = try conv2dBN(branch3x3dbl, 384, 1, 3)
            let branch3x3dbl_2 = try conv2dBN(branch3x3dbl, 384, 3, 1)
            branch3x3dbl = try concatenate([branch3x3dbl_1, branch3x3dbl_2])

            var branchPool = try averagePool(x)
            branchPool = try conv2dBN(branchPool, 192, 1, 1)
            return try concatenate([branch1x1, branch3x3, branch3x3dbl, branchPool], name: "mixed\(9 + index)")
        }
    }
}

import Converter
import Foundation

/// EfficientNetB0 to B7 (Tan and Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks", 2019)
/// layer for layer as `keras.applications.efficientnet` builds them for its ImageNet weights: the preprocessing inside
/// the model (Rescaling 1/255, an ImageNet Normalization, a Rescaling by 1/sqrt of the ImageNet deviations), a 3x3
/// stride-2 stem, seven stages of MBConv blocks (a 1x1 expansion, a depthwise convolution, squeeze-and-excitation, a
/// linear 1x1 projection, and stochastic depth on the shortcut), a 1x1 convolution to 1280 channels, and the classifier.
/// B1 to B7 scale B0's widths and depths by their coefficients; every activation is swish (`silu`, as Keras 3 writes it).
public enum EfficientNet {
    /// `EfficientNetB0` ... `EfficientNetB7`'s width and depth coefficients, input size and top dropout rate.
    public struct Scaling: Sendable {
        public let width: Double, depth: Double, size: Int, dropout: Double
    }

    public static let variants: [String: Scaling] = [
        "b0": Scaling(width: 1.0, depth: 1.0, size: 224, dropout: 0.2), "b1": Scaling(width: 1.0, depth: 1.1, size: 240, dropout: 0.2),
        "b2": Scaling(width: 1.1, depth: 1.2, size: 260, dropout: 0.3), "b3": Scaling(width: 1.2, depth: 1.4, size: 300, dropout: 0.3),
        "b4": Scaling(width: 1.4, depth: 1.8, size: 380, dropout: 0.4), "b5": Scaling(width: 1.6, depth: 2.2, size: 456, dropout: 0.4),
        "b6": Scaling(width: 1.8, depth: 2.6, size: 528, dropout: 0.5), "b7": Scaling(width: 2.0, depth: 3.1, size: 600, dropout: 0.5),
    ]

    /// Keras' `count_params()` of each variant with and without the top, in order (the registry's figures).
    public static let parameters: [(variant: String, counts: (top: Int, notop: Int))] = [
        ("b0", (5_330_571, 4_049_571)), ("b1", (7_856_239, 6_575_239)), ("b2", (9_177_569, 7_768_569)),
        ("b3", (12_320_535, 10_783_535)), ("b4", (19_466_823, 17_673_823)), ("b5", (30_562_527, 28_513_527)),
        ("b6", (43_265_143, 40_960_143)), ("b7", (66_658_687, 64_097_687)),
    ]

    /// `DEFAULT_BLOCKS_ARGS`: per stage, kernel size, repeats, input and output channels, expansion and stride (every
    /// stage has the identity skip and a squeeze-and-excitation ratio of 0.25).
    static let stages: [(kernel: Int, repeats: Int, filtersIn: Int, filtersOut: Int, expansion: Int, stride: Int)] = [
        (3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2), (3, 3, 40, 80, 6, 2),
        (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2), (3, 1, 192, 320, 6, 1),
    ]
    static let squeezeRatio = 0.25
    /// `drop_connect_rate`: the largest stochastic-depth rate, reached by the last block.
    static let dropConnectRate = 0.2
    /// `IMAGENET_STDDEV_RGB`, whose square roots' inverses the third preprocessing layer multiplies by.
    static let imagenetDeviations = [0.229, 0.224, 0.225]

    /// `CONV_KERNEL_INITIALIZER` and `DENSE_KERNEL_INITIALIZER`.
    static let convolutionInitializer = TrainingAttributes.kerasObject(
        "VarianceScaling", ["scale": .double(2.0), "mode": .string("fan_out"), "distribution": .string("truncated_normal")])
    static let denseInitializer = TrainingAttributes.kerasObject(
        "VarianceScaling", ["scale": .double(1.0 / 3.0), "mode": .string("fan_out"), "distribution": .string("uniform")])

    /// - Parameters:
    ///   - variant: `b0` ... `b7`.
    ///   - inputShape: height, width, channels; nil sizes are left open, as Keras does without a top.
    public static func graph(_ variant: String, includeTop: Bool = true, classes: Int = 1000, inputShape: [Int?]? = nil) throws -> ModelGraph {
        guard let scaling = variants[variant] else { throw ModelError("unknown EfficientNet variant '\(variant)' (b0 ... b7)") }
        func filters(_ count: Int) -> Int { ChannelRounding.divisible(Double(count) * scaling.width) }
        func repeats(_ count: Int) -> Int { Int((scaling.depth * Double(count)).rounded(.up)) }

        var b = GraphBuilder(name: "efficientnet\(variant)")
        let input = try b.input("input_1", shape: inputShape ?? (includeTop ? [scaling.size, scaling.size, 3] : [nil, nil, 3]))
        // The three preprocessing layers have no name in Keras' source: these are the names Keras gives them.
        var x = try b.rescaling("rescaling", input, scale: [1.0 / 255.0])
        x = try b.normalization("normalization", x, axis: 3)
        x = try b.rescaling("rescaling_1", x, scale: imagenetDeviations.map { 1.0 / $0.squareRoot() })
        x = try b.correctPad("stem_conv_pad", x, kernel: 3)
        x = try b.conv2d("stem_conv", x, filters: filters(32), kernel: 3, strides: 2, useBias: false, kernelInitializer: convolutionInitializer)
        x = try b.batchNorm("stem_bn", x)
        x = try b.activation("stem_activation", x, "silu")

        let blocks = Double(stages.reduce(0) { $0 + repeats($1.repeats) })
        var index = 0
        for (stage, arguments) in stages.enumerated() {
            for repeat_ in 0..<repeats(arguments.repeats) {
                let name = "block\(stage + 1)\(Character(UnicodeScalar(UInt8(97 + repeat_))))_"
                x = try mobileBlock(&b, x, name: name, kernel: arguments.kernel, expansion: arguments.expansion,
                                    filtersIn: repeat_ == 0 ? filters(arguments.filtersIn) : filters(arguments.filtersOut),
                                    filtersOut: filters(arguments.filtersOut), stride: repeat_ == 0 ? arguments.stride : 1,
                                    dropRate: dropConnectRate * Double(index) / blocks)
                index += 1
            }
        }

        x = try b.conv2d("top_conv", x, filters: filters(1280), kernel: 1, padding: "same", useBias: false, kernelInitializer: convolutionInitializer)
        x = try b.batchNorm("top_bn", x)
        x = try b.activation("top_activation", x, "silu")
        if includeTop {
            x = try b.globalAvgPool2d("avg_pool", x)
            x = try b.dropout("top_dropout", x, rate: scaling.dropout)
            x = try b.dense("predictions", x, units: classes, activation: "softmax", kernelInitializer: denseInitializer)
        }
        return b.buildInKerasOrder(outputs: [x])
    }

    /// `block`: the inverted residual block with squeeze-and-excitation. Expansion (unless 1), a depthwise convolution
    /// (after `correct_pad`'s padding when it strides), the excitation (a global average, reshaped to 1x1, reduced to a
    /// quarter of the block's input channels with swish and expanded back with a sigmoid, multiplied in), the linear
    /// projection, and when the shape allows, stochastic depth (inference: the identity) and the shortcut add.
    static func mobileBlock(_ b: inout GraphBuilder, _ input: GraphBuilder.Node, name: String, kernel: Int, expansion: Int,
                            filtersIn: Int, filtersOut: Int, stride: Int, dropRate: Double) throws -> GraphBuilder.Node {
        let channels = filtersIn * expansion
        var x = input
        if expansion != 1 {
            x = try b.conv2d("\(name)expand_conv", x, filters: channels, kernel: 1, padding: "same", useBias: false,
                             kernelInitializer: convolutionInitializer)
            x = try b.batchNorm("\(name)expand_bn", x)
            x = try b.activation("\(name)expand_activation", x, "silu")
        }
        if stride == 2 {
            x = try b.correctPad("\(name)dwconv_pad", x, kernel: kernel)
        }
        x = try b.depthwiseConv2d("\(name)dwconv", x, kernel: kernel, strides: stride, padding: stride == 2 ? "valid" : "same",
                                  useBias: false, kernelInitializer: convolutionInitializer)
        x = try b.batchNorm("\(name)bn", x)
        x = try b.activation("\(name)activation", x, "silu")

        var excitation = try b.globalAvgPool2d("\(name)se_squeeze", x)
        excitation = try b.reshape("\(name)se_reshape", excitation, [1, 1, channels])
        excitation = try b.conv2d("\(name)se_reduce", excitation, filters: max(1, Int(Double(filtersIn) * squeezeRatio)), kernel: 1,
                                  padding: "same", activation: "silu", kernelInitializer: convolutionInitializer)
        excitation = try b.conv2d("\(name)se_expand", excitation, filters: channels, kernel: 1, padding: "same", activation: "sigmoid",
                                  kernelInitializer: convolutionInitializer)
        x = try b.add("\(name)se_excite", .multiply, inputs: [x, excitation])

        x = try b.conv2d("\(name)project_conv", x, filters: filtersOut, kernel: 1, padding: "same", useBias: false,
                         kernelInitializer: convolutionInitializer)
        x = try b.batchNorm("\(name)project_bn", x)
        guard stride == 1 && filtersIn == filtersOut else { return x }
        if dropRate > 0 {
            x = try b.dropout("\(name)drop", x, rate: dropRate, noiseShape: [-1, 1, 1, 1])
        }
        return try b.add("\(name)add", .add, inputs: [x, input])
    }
}

import Converter

/// The four models of the original notebooks (docs/notebooks.md): a frozen ImageNet base with a
/// small trained head. Layer names are the ones Keras generates for the notebooks' code.
public enum SeedModels {
    /// VGG16-TB and VGG19-TB: the base nested as one layer, then BatchNormalization, global
    /// average pooling and a LeakyReLU dense head, for 512x512 chest X-rays (another `size` for benchmarks).
    public static func tuberculosisVGG(base: String, blocks: [Int], size: Int = 512) throws -> ModelGraph {
        var b = GraphBuilder(name: "model")
        let input = try b.input("input_1", shape: [size, size, 3])
        var vgg = try VGG.graph(name: base, blocks: blocks, includeTop: false, inputShape: [size, size, 3])
        vgg.freeze()                                    // base_model.trainable = False: only the head trains
        var x = try b.nest(vgg, as: base, input: input)
        x = try b.batchNorm("BatchNormalization", x)
        x = try b.globalAvgPool2d("global_average_pooling2d", x)
        x = try b.dropout("dropout", x, rate: 0.5)
        x = try b.dense("dense", x, units: 256)
        x = try b.activation("leaky_re_lu", x, "leaky_relu", alpha: 0.1)
        x = try b.dropout("dropout_1", x, rate: 0.25)
        x = try b.dense("dense_1", x, units: 2, activation: "softmax")
        return b.buildInKerasOrder(outputs: [x])
    }

    /// Attention-VGG16-TB: a 1x1-convolution attention map A over the normalised VGG16
    /// features F, fanned out to every channel by a frozen all-ones convolution, and the
    /// attention-weighted average Σ A·F / Σ A (the `RescaleGAP` Lambda) feeding an ELU head.
    public static func tuberculosisAttentionVGG16() throws -> ModelGraph {
        var b = GraphBuilder(name: "model")
        let input = try b.input("input_1", shape: [512, 512, 3])
        var vgg = try VGG.graph(name: "vgg16", blocks: VGG.vgg16Blocks, includeTop: false, inputShape: [512, 512, 3])
        vgg.freeze()                                    // vgg16.trainable = False
        let features = try b.batchNorm("BatchNormalization", try b.nest(vgg, as: "vgg16", input: input))
        var attention = try b.conv2d("conv2d", features, filters: 64, kernel: 1, padding: "same", activation: "relu")
        attention = try b.conv2d("conv2d_1", attention, filters: 32, kernel: 1, padding: "same", activation: "relu")
        attention = try b.conv2d("conv2d_2", attention, filters: 16, kernel: 1, padding: "same", activation: "relu")
        attention = try b.conv2d("conv2d_3", attention, filters: 1, kernel: 1, activation: "sigmoid")
        // The fan-out's all-ones kernel never trains (`up.trainable = False`).
        attention = try b.conv2d("conv2d_4", attention, filters: 512, kernel: 1, padding: "same", useBias: false, trainable: false)
        let weighted = try b.add("Multiply", .multiply, inputs: [attention, features])
        let pooledFeatures = try b.globalAvgPool2d("global_average_pooling2d", weighted)
        let pooledMask = try b.globalAvgPool2d("global_average_pooling2d_1", attention)
        var x = try b.add("RescaleGAP", .divide, inputs: [pooledFeatures, pooledMask])
        x = try b.dropout("dropout", x, rate: 0.5)
        x = try b.dense("dense", x, units: 128, activation: "elu")
        x = try b.dropout("dropout_1", x, rate: 0.25)
        x = try b.dense("dense_1", x, units: 2, activation: "softmax")
        return b.buildInKerasOrder(outputs: [x])
    }

    /// ResNet50-Melanoma (the notebook's final version): the head joined to the base in one flat graph.
    public static func melanomaResNet50(size: Int = 224) throws -> ModelGraph {
        var base = try ResNet.graph(includeTop: false, inputShape: [size, size, 3])
        base.freeze()                                   // for layer in resnet50.layers: layer.trainable = False
        var b = GraphBuilder(name: "model")
        let input = try b.input("input_1", shape: [size, size, 3])
        // The notebook builds Model(resnet50.input, outputs): one flat graph, no nested model.
        var x = try b.inline(base, input: input)
        x = try b.batchNorm("batch_normalization", x)
        x = try b.globalAvgPool2d("global_average_pooling2d", x)
        x = try b.dropout("dropout", x, rate: 0.5)
        x = try b.dense("dense", x, units: 64, activation: "relu", kernelRegularizer: TrainingAttributes.l2(0.001))
        x = try b.dropout("dropout_1", x, rate: 0.5)
        x = try b.dense("dense_1", x, units: 2, activation: "softmax")
        return b.buildInKerasOrder(outputs: [x])
    }
}

import Converter
import Foundation
import Tensor

/// The model registry: every architecture Zoo defines, proves and benchmarks, with what a user
/// needs to know to use its weights. `zoo/registry.json` at the repository root is this table
/// exported (`zoo models --json`); a test keeps the two identical.
public struct RegistryEntry: Sendable {
    public let name: String
    public let summary: String
    /// Exact Keras parameter count; a conversion that disagrees is refused.
    public let parameters: Int
    /// The preprocessing its weights expect, recorded in a file converted for it.
    public let preprocessing: Preprocessing
    public let inputSize: [Int?]
    /// The published ImageNet weights `keras.applications` downloads for it (URL, MD5, size), if any.
    public let publishedWeights: PublishedWeights?
    public let graph: @Sendable () throws -> ModelGraph

    public struct PublishedWeights: Sendable {
        public let url: String
        public let md5: String
        public let bytes: Int

        /// The name Keras caches it under: the URL's last component, as `keras.applications` passes it to `get_file`.
        public var fileName: String { URL(string: url)?.lastPathComponent ?? url }

        /// The hash `keras.applications` checks the file against.
        public var hash: KerasFileHash {
            get throws { try KerasFileHash(md5) }
        }
    }

    /// The verified copy of the published weights in Keras' cache, if any; a copy whose hash differs is refused with
    /// an error that names it and says how to fetch the right one.
    public func cachedPublishedWeights(in cache: KerasCache = KerasCache()) throws -> URL? {
        guard let publishedWeights else { return nil }
        return try cache.file(named: publishedWeights.fileName, hash: publishedWeights.hash,
                              fetchHint: "run `zoo fetch \(name)` to download the published file")
    }
}

public enum Registry {
    static let caffe = Preprocessing.caffe
    static let rescale = Preprocessing.notebooks
    /// The published weights' URLs and MD5s are those `keras.applications` downloads and checks (Keras 3:
    /// keras/src/applications/vgg16.py and vgg19.py, `WEIGHTS_PATH`, `WEIGHTS_PATH_NO_TOP` and the `file_hash` of
    /// each `get_file` call; resnet.py, `BASE_WEIGHTS_PATH` and `WEIGHTS_HASHES["resnet50"]`, top then notop).
    /// The sizes are the files' lengths in bytes (Keras' applications table lists them in MB: 528, 549, 98).
    static let weightsBase = "https://storage.googleapis.com/tensorflow/keras-applications"

    public static let entries: [RegistryEntry] = [
        RegistryEntry(name: "vgg16", summary: "VGG16, keras.applications, with the ImageNet top", parameters: 138_357_544,
                      preprocessing: caffe, inputSize: [224, 224, 3],
                      publishedWeights: .init(url: "\(weightsBase)/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                                              md5: "64373286793e3c8b2b4e3219cbf3544b", bytes: 553_467_096),
                      graph: { try VGG.graph(name: "vgg16", blocks: VGG.vgg16Blocks) }),
        RegistryEntry(name: "vgg16-notop", summary: "VGG16 convolutional base (include_top=False)", parameters: 14_714_688,
                      preprocessing: caffe, inputSize: [nil, nil, 3],
                      publishedWeights: .init(url: "\(weightsBase)/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                              md5: "6d6bbae143d832006294945121d1f1fc", bytes: 58_889_256),
                      graph: { try VGG.graph(name: "vgg16", blocks: VGG.vgg16Blocks, includeTop: false) }),
        RegistryEntry(name: "vgg19", summary: "VGG19, keras.applications, with the ImageNet top", parameters: 143_667_240,
                      preprocessing: caffe, inputSize: [224, 224, 3],
                      publishedWeights: .init(url: "\(weightsBase)/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5",
                                              md5: "cbe5617147190e668d6c5d5026f83318", bytes: 574_710_816),
                      graph: { try VGG.graph(name: "vgg19", blocks: VGG.vgg19Blocks) }),
        RegistryEntry(name: "vgg19-notop", summary: "VGG19 convolutional base (include_top=False)", parameters: 20_024_384,
                      preprocessing: caffe, inputSize: [nil, nil, 3],
                      publishedWeights: .init(url: "\(weightsBase)/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                              md5: "253f8cb515780f3b799900260a226db6", bytes: 80_134_624),
                      graph: { try VGG.graph(name: "vgg19", blocks: VGG.vgg19Blocks, includeTop: false) }),
        RegistryEntry(name: "resnet50", summary: "ResNet50 (v1), keras.applications, with the ImageNet top", parameters: 25_636_712,
                      preprocessing: caffe, inputSize: [224, 224, 3],
                      publishedWeights: .init(url: "\(weightsBase)/resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5",
                                              md5: "2cb95161c43110f7111970584f804107", bytes: 102_967_424),
                      graph: { try ResNet.graph() }),
        RegistryEntry(name: "resnet50-notop", summary: "ResNet50 convolutional base (include_top=False)", parameters: 23_587_712,
                      preprocessing: caffe, inputSize: [nil, nil, 3],
                      publishedWeights: .init(url: "\(weightsBase)/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                              md5: "4d473c1dd8becc155b73f8504c6f6626", bytes: 94_765_736),
                      graph: { try ResNet.graph(includeTop: false) }),
    ] + application("resnet101", "ResNet101 (v1)", parameters: (44_707_176, 42_658_176), preprocessing: caffe) {
        try ResNet.graph(name: "resnet101", stages: ResNet.resnet101Stages, includeTop: $0)
    } + application("resnet152", "ResNet152 (v1)", parameters: (60_419_944, 58_370_944), preprocessing: caffe) {
        try ResNet.graph(name: "resnet152", stages: ResNet.resnet152Stages, includeTop: $0)
    } + application("resnet50v2", "ResNet50V2 (pre-activation)", parameters: (25_613_800, 23_564_800), preprocessing: .tf) {
        try ResNet.graph(name: "resnet50v2", stages: ResNet.resnet50Stages, version: .v2, includeTop: $0)
    } + application("densenet121", "DenseNet121", parameters: (8_062_504, 7_037_504), preprocessing: .torch) {
        try DenseNet.graph(name: "densenet121", blocks: DenseNet.densenet121Blocks, includeTop: $0)
    } + application("densenet169", "DenseNet169", parameters: (14_307_880, 12_642_880), preprocessing: .torch) {
        try DenseNet.graph(name: "densenet169", blocks: DenseNet.densenet169Blocks, includeTop: $0)
    } + application("densenet201", "DenseNet201", parameters: (20_242_984, 18_321_984), preprocessing: .torch) {
        try DenseNet.graph(name: "densenet201", blocks: DenseNet.densenet201Blocks, includeTop: $0)
    } + application("mobilenetv2", "MobileNetV2 (width 1.0)", parameters: (3_538_984, 2_257_984), preprocessing: .tf) {
        try MobileNetV2.graph(includeTop: $0)
    } + application("xception", "Xception", parameters: (22_910_480, 20_861_480), preprocessing: .tf, size: 299) {
        try Xception.graph(includeTop: $0)
    } + application("inceptionv3", "InceptionV3", parameters: (23_851_784, 21_802_784), preprocessing: .tf, size: 299) {
        try InceptionV3.graph(includeTop: $0)
    } + EfficientNet.parameters.flatMap { variant, counts in
        application("efficientnet\(variant)", "EfficientNet\(variant.uppercased())", parameters: counts, preprocessing: .none,
                    size: EfficientNet.variants[variant]!.size) { try EfficientNet.graph(variant, includeTop: $0) }
    } + [
        RegistryEntry(name: "tb-vgg16", summary: "Notebook VGG16 for tuberculosis X-rays: frozen base, BN/GAP/LeakyReLU head",
                      parameters: 14_848_578, preprocessing: rescale, inputSize: [512, 512, 3], publishedWeights: nil,
                      graph: { try SeedModels.tuberculosisVGG(base: "vgg16", blocks: VGG.vgg16Blocks) }),
        RegistryEntry(name: "tb-vgg19", summary: "Notebook VGG19 for tuberculosis X-rays: frozen base, BN/GAP/LeakyReLU head",
                      parameters: 20_158_274, preprocessing: rescale, inputSize: [512, 512, 3], publishedWeights: nil,
                      graph: { try SeedModels.tuberculosisVGG(base: "vgg19", blocks: VGG.vgg19Blocks) }),
        RegistryEntry(name: "tb-attention-vgg16", summary: "Notebook attention-VGG16 for tuberculosis X-rays",
                      parameters: 14_818_627, preprocessing: rescale, inputSize: [512, 512, 3], publishedWeights: nil,
                      graph: { try SeedModels.tuberculosisAttentionVGG16() }),
        RegistryEntry(name: "melanoma-resnet50", summary: "Notebook ResNet50 for melanoma: frozen base, BN/GAP head",
                      parameters: 23_727_170, preprocessing: rescale, inputSize: [224, 224, 3], publishedWeights: nil,
                      graph: { try SeedModels.melanomaResNet50() }),
    ]

    /// A `keras.applications` architecture with its ImageNet top (`name`, input `size` x `size` x 3) and without it
    /// (`name-notop`, any input size), as `graph(includeTop)` builds them. Zoo does not list the published
    /// weights of these yet: `zoo fetch` knows VGG16, VGG19 and ResNet50's.
    static func application(_ name: String, _ title: String, parameters: (top: Int, notop: Int), preprocessing: Preprocessing,
                            size: Int = 224, graph: @escaping @Sendable (_ includeTop: Bool) throws -> ModelGraph) -> [RegistryEntry] {
        [RegistryEntry(name: name, summary: "\(title), keras.applications, with the ImageNet top", parameters: parameters.top,
                       preprocessing: preprocessing, inputSize: [size, size, 3], publishedWeights: nil, graph: { try graph(true) }),
         RegistryEntry(name: "\(name)-notop", summary: "\(title.split(separator: " ")[0]) convolutional base (include_top=False)",
                       parameters: parameters.notop, preprocessing: preprocessing, inputSize: [nil, nil, 3], publishedWeights: nil,
                       graph: { try graph(false) })]
    }

    public static func entry(named name: String) -> RegistryEntry? { entries.first { $0.name == name } }

    /// The graph of the architecture called `name`; an unknown name is an error listing the known ones.
    public static func graph(named name: String) throws -> ModelGraph {
        guard let entry = entry(named: name) else {
            throw ModelError("unknown architecture '\(name)' (known: \(entries.map(\.name).joined(separator: ", ")))")
        }
        return try entry.graph()
    }

    /// The registry entry whose architecture has exactly these weights (names and shapes), if any:
    /// how a converted full-model file is recognised as, say, VGG16.
    public static func identify(_ graph: ModelGraph) -> RegistryEntry? {
        let signature = graph.weightSpecs.map { "\($0.tensorName)\($0.spec.shape)" }
        return entries.first { entry in
            guard entry.parameters == graph.parameterCount, let candidate = try? entry.graph() else { return false }
            return candidate.weightSpecs.map { "\($0.tensorName)\($0.spec.shape)" } == signature
        }
    }
}

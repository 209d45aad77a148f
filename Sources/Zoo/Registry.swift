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
    /// The published ImageNet weights `keras.applications` downloads and checks for it (URL, MD5, size), if any.
    public let publishedWeights: PublishedWeights?
    public let graph: @Sendable () throws -> ModelGraph

    public struct PublishedWeights: Sendable {
        public let url: String
        public let md5: String
        /// The file's length, where it is known; Keras quotes the later families' sizes only in rounded megabytes.
        public let bytes: Int?

        public init(url: String, md5: String, bytes: Int? = nil) {
            self.url = url; self.md5 = md5; self.bytes = bytes
        }

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
    /// each `get_file` call; resnet.py, `BASE_WEIGHTS_PATH` and `WEIGHTS_HASHES`; densenet.py, xception.py and
    /// inception_v3.py, their paths and `file_hash`es; efficientnet.py, `BASE_WEIGHTS_PATH` and `WEIGHTS_HASHES`).
    /// PublishedWeightsTests builds each model with the pinned Keras and checks them against what it asks for.
    /// MobileNetV2's files are not listed: Keras downloads them unchecked, with no hash to verify a copy against.
    /// The sizes of VGG16's, VGG19's and ResNet50's files are their lengths in bytes (Keras' applications table lists
    /// them in MB: 528, 549, 98); the others' are not known exactly.
    static let weightsBase = "https://storage.googleapis.com/tensorflow/keras-applications"
    static let efficientNetWeightsBase = "https://storage.googleapis.com/keras-applications"

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
    ] + application("resnet101", "ResNet101 (v1)", parameters: (44_707_176, 42_658_176), preprocessing: caffe,
                    weights: published("resnet/resnet101", md5: ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"))) {
        try ResNet.graph(name: "resnet101", stages: ResNet.resnet101Stages, includeTop: $0)
    } + application("resnet152", "ResNet152 (v1)", parameters: (60_419_944, 58_370_944), preprocessing: caffe,
                    weights: published("resnet/resnet152", md5: ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"))) {
        try ResNet.graph(name: "resnet152", stages: ResNet.resnet152Stages, includeTop: $0)
    } + application("resnet50v2", "ResNet50V2 (pre-activation)", parameters: (25_613_800, 23_564_800), preprocessing: .tf,
                    weights: published("resnet/resnet50v2", md5: ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"))) {
        try ResNet.graph(name: "resnet50v2", stages: ResNet.resnet50Stages, version: .v2, includeTop: $0)
    } + application("densenet121", "DenseNet121", parameters: (8_062_504, 7_037_504), preprocessing: .torch,
                    weights: published("densenet/densenet121", md5: ("9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"))) {
        try DenseNet.graph(name: "densenet121", blocks: DenseNet.densenet121Blocks, includeTop: $0)
    } + application("densenet169", "DenseNet169", parameters: (14_307_880, 12_642_880), preprocessing: .torch,
                    weights: published("densenet/densenet169", md5: ("d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"))) {
        try DenseNet.graph(name: "densenet169", blocks: DenseNet.densenet169Blocks, includeTop: $0)
    } + application("densenet201", "DenseNet201", parameters: (20_242_984, 18_321_984), preprocessing: .torch,
                    weights: published("densenet/densenet201", md5: ("1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"))) {
        try DenseNet.graph(name: "densenet201", blocks: DenseNet.densenet201Blocks, includeTop: $0)
    } + application("mobilenetv2", "MobileNetV2 (width 1.0)", parameters: (3_538_984, 2_257_984), preprocessing: .tf) {
        try MobileNetV2.graph(includeTop: $0)
    } + application("xception", "Xception", parameters: (22_910_480, 20_861_480), preprocessing: .tf, size: 299,
                    weights: published("xception/xception", md5: ("0a58e3b7378bc2990ea3b43d5981f1f6", "b0042744bf5b25fce3cb969f33bebb97"))) {
        try Xception.graph(includeTop: $0)
    } + application("inceptionv3", "InceptionV3", parameters: (23_851_784, 21_802_784), preprocessing: .tf, size: 299,
                    weights: published("inception_v3/inception_v3", md5: ("9a0d58056eeedaa3f26cb7ebd46da564", "bcbd6486424b2319ff4ef7d526e38f63"))) {
        try InceptionV3.graph(includeTop: $0)
    } + EfficientNet.parameters.flatMap { variant, counts in
        application("efficientnet\(variant)", "EfficientNet\(variant.uppercased())", parameters: counts, preprocessing: .none,
                    size: EfficientNet.variants[variant]!.size,
                    weights: efficientNetWeights(variant)) { try EfficientNet.graph(variant, includeTop: $0) }
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
    /// (`name-notop`, any input size), as `graph(includeTop)` builds them, with the published files of each, if any.
    static func application(_ name: String, _ title: String, parameters: (top: Int, notop: Int), preprocessing: Preprocessing,
                            size: Int = 224, weights: (top: RegistryEntry.PublishedWeights, notop: RegistryEntry.PublishedWeights)? = nil,
                            graph: @escaping @Sendable (_ includeTop: Bool) throws -> ModelGraph) -> [RegistryEntry] {
        [RegistryEntry(name: name, summary: "\(title), keras.applications, with the ImageNet top", parameters: parameters.top,
                       preprocessing: preprocessing, inputSize: [size, size, 3], publishedWeights: weights?.top, graph: { try graph(true) }),
         RegistryEntry(name: "\(name)-notop", summary: "\(title.split(separator: " ")[0]) convolutional base (include_top=False)",
                       parameters: parameters.notop, preprocessing: preprocessing, inputSize: [nil, nil, 3], publishedWeights: weights?.notop,
                       graph: { try graph(false) })]
    }

    /// The files `keras.applications` names `<path>_weights_tf_dim_ordering_tf_kernels.h5` and `..._notop.h5` under
    /// `weightsBase`, with their MD5s.
    static func published(_ path: String, md5: (top: String, notop: String))
        -> (top: RegistryEntry.PublishedWeights, notop: RegistryEntry.PublishedWeights) {
        (.init(url: "\(weightsBase)/\(path)_weights_tf_dim_ordering_tf_kernels.h5", md5: md5.top),
         .init(url: "\(weightsBase)/\(path)_weights_tf_dim_ordering_tf_kernels_notop.h5", md5: md5.notop))
    }

    /// EfficientNet `variant`'s files (efficientnet.py's `WEIGHTS_HASHES`, top then notop).
    static func efficientNetWeights(_ variant: String) -> (top: RegistryEntry.PublishedWeights, notop: RegistryEntry.PublishedWeights)? {
        let hashes = ["b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
                      "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
                      "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
                      "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
                      "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
                      "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
                      "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
                      "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a")]
        return hashes[variant].map { top, notop in
            (.init(url: "\(efficientNetWeightsBase)/efficientnet\(variant).h5", md5: top),
             .init(url: "\(efficientNetWeightsBase)/efficientnet\(variant)_notop.h5", md5: notop))
        }
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

import Converter
import Foundation
import Tensor
import Training
import Zoo
@testable import Bench

/// A small VGG-style frozen base (3x3 'same' ReLU convolutions, 2x2 max pools) at 32x32 with seeded Glorot weights,
/// and the synthetic TB images it reads: the parts of a VGG16 feature cache at a size that runs in milliseconds.
enum FeatureFixtures {
    static let size = ImageLoader.Size(width: 32, height: 32)
    static let loader = ImageLoader(targetSize: size)
    static let weightsSHA256 = String(repeating: "ab", count: 32)

    /// `batchNorm`: a BatchNormalization after the first convolution (a ResNet-like base, for the policy).
    static func graph(batchNorm: Bool = false) throws -> ModelGraph {
        var b = GraphBuilder(name: batchNorm ? "tiny_bn" : "tiny_vgg")
        var x = try b.input("input_1", shape: [32, 32, 3])
        x = try b.conv2d("block1_conv1", x, filters: 8, kernel: 3, padding: "same", activation: "relu")
        if batchNorm { x = try b.batchNorm("block1_bn", x) }
        x = try b.conv2d("block1_conv2", x, filters: 8, kernel: 3, padding: "same", activation: "relu")
        x = try b.maxPool2d("block1_pool", x, size: 2, strides: 2)
        x = try b.conv2d("block2_conv1", x, filters: 16, kernel: 3, padding: "same", activation: "relu")
        x = try b.maxPool2d("block2_pool", x, size: 2, strides: 2)
        var graph = b.buildInKerasOrder(outputs: [x])
        graph.freeze()
        return graph
    }

    /// The base with weights drawn from `seed`; every call builds a model of its own (a model runs one batch at a time).
    static func base(batchNorm: Bool = false, seed: UInt64 = 11) throws -> Model {
        let graph = try graph(batchNorm: batchNorm)
        var zeros: [String: Tensor] = [:]
        for layer in graph.layers {
            for weight in layer.weights { zeros[layer.tensorName(of: weight)] = try Tensor(shape: weight.shape) }
        }
        let store = try ParameterStore(graph: graph, weights: InMemoryWeights(zeros))
        try store.initialize(graph: graph, seed: seed)
        return try Model(graph: graph, weights: store, mode: .fused, preprocessing: .caffe)
    }

    /// The first `count` images of the synthetic TB set (8-bit and 16-bit PNGs of several sizes).
    static func images(_ count: Int = 8) throws -> (Dataset, [LabeledImage]) {
        let dataset = try DatasetReader.read(try Fixtures.tuberculosis.get())
        let all = dataset.split(named: "all").map(\.images) ?? []
        // Both Shenzhen-like (8-bit) and Montgomery-like (16-bit) files: the last images are Montgomery's.
        return (dataset, Array(all.prefix(count - 2) + all.suffix(2)))
    }

    static func extractor(cache: FeatureCache, batchSize: Int = 5, base: Model? = nil) throws -> FeatureExtractor {
        try FeatureExtractor(base: base ?? self.base(), weightsSHA256: weightsSHA256, frozenBatchNorm: .tf2, cache: cache,
                             batchSize: batchSize, progress: nil)
    }

    static func cache(_ directory: URL, warnings: WarningLog? = nil) throws -> FeatureCache {
        try FeatureCache(directory: directory, warn: { line in warnings?.append(line) })
    }

    /// Two augmented views per image of the TB notebooks' generator.
    static func views() throws -> FeatureViews {
        try FeatureViews(augmentation: .tuberculosisNotebooks, count: 2, seed: 2019)
    }
}

/// Lines a cache reported, collected across threads.
final class WarningLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}

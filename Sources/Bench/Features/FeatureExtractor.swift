import Converter
import Crypto
import Foundation
import Tensor
import Zoo

/// Computes a frozen base's features once per image and view, through the on-disk `FeatureCache`: entries already
/// cached are read (and checked), missing or damaged ones computed in batches and written.
///
/// Exactness: features are only cached for a base that `FeatureCachePolicy` finds to be a function of each image
/// alone. Such a base gives the same bits for an image whatever else is in its batch (the kernels treat batch rows
/// independently; the tests check it against single-image runs), so the batch size is not part of the key.
public final class FeatureExtractor {
    public let base: Model
    public let exactness: FeatureExactness
    public let batchSize: Int
    private let identity: FeatureBaseIdentity
    private let cache: FeatureCache
    private let progress: (@Sendable (String) -> Void)?

    /// - Parameters:
    ///   - base: the frozen base as an inference model with one output (fused mode, as `TrainingModel` runs a
    ///     frozen base).
    ///   - weightsSHA256: the SHA-256 of the weights file the base was built from (`weightsSHA256(ofFileAt:)`).
    ///   - frozenBatchNorm, approximate: see `FeatureCachePolicy.check`; refused bases throw `FeatureCacheRefusal`.
    ///   - progress: where progress lines go (images hashed, features computed: views/s and time left); nil for none.
    public init(base: Model, weightsSHA256: String, frozenBatchNorm: FrozenBatchNorm, approximate: Bool = false,
                cache: FeatureCache, batchSize: Int = 16,
                progress: (@Sendable (String) -> Void)? = ProgressReporter.standardError) throws {
        guard batchSize > 0 else {
            throw DataError(file: cache.directory.path, kind: .badArgument, problem: "feature batch size must be positive, got \(batchSize)")
        }
        guard base.graph.inputs.count == 1, base.graph.outputs.count == 1 else {
            throw DataError(file: base.graph.name, kind: .badArgument, problem: "a feature base needs one input and one output, "
                            + "it has \(base.graph.inputs.count) and \(base.graph.outputs.count)")
        }
        exactness = try FeatureCachePolicy.check(base.graph, frozenBatchNorm: frozenBatchNorm, approximate: approximate)
        self.base = base
        self.batchSize = batchSize
        self.cache = cache
        self.progress = progress
        identity = FeatureBaseIdentity(weightsSHA256: weightsSHA256, graphSHA256: try FeatureExtractor.digest(of: base.graph),
                                       mode: base.mode.rawValue)
    }

    /// The SHA-256 of a weights file, as the cache keys name it.
    public static func weightsSHA256(ofFileAt path: String) throws -> String {
        try ContentHash.sha256Hex(ofFileAt: path)
    }

    /// The features of `images` of `dataset`, each loaded by `loader` (which must resize to one size), preprocessed
    /// by `preprocessing`, for view 0 and the K augmented views of `views`.
    /// - Parameter imageSHA256: the images' content hashes when already known (a manifest's); nil hashes the files.
    public func extract(_ images: [LabeledImage], of dataset: Dataset, loader: ImageLoader, preprocessing: Preprocessing,
                        views: FeatureViews, imageSHA256 known: [String]? = nil) throws -> FeatureBank {
        let start = Date()
        guard let size = loader.targetSize else {
            throw DataError(file: dataset.root.path, kind: .badArgument, problem: "feature extraction needs a loader with a target size")
        }
        guard !images.isEmpty else {
            throw DataError(file: dataset.root.path, kind: .badArgument, problem: "no images to extract features of")
        }
        if let known, known.count != images.count {
            throw DataError(file: dataset.root.path, kind: .badArgument, problem: "\(known.count) image hashes for \(images.count) images")
        }
        let channels = base.inputShapes[0].last.flatMap { $0 } ?? 3
        let input = FeatureInput(width: size.width, height: size.height, interpolation: loader.interpolation,
                                 sixteenBit: String(describing: loader.sixteenBit), channels: channels, preprocessing: preprocessing)
        let hashes = try known ?? hash(images, of: dataset)
        let keys = hashes.map { hash in
            (0...views.count).map { FeatureKey(base: identity, imageSHA256: hash, view: $0, views: views, input: input) }
        }

        // Check every cached entry now, so damage is found (and repaired) before training reads the bank.
        let cache = self.cache
        let lookups = try ParallelMap.map(0..<images.count * views.perImage) { slot -> (found: [Int]?, damaged: Bool) in
            switch cache.read(keys[slot / views.perImage][slot % views.perImage]) {
            case .hit(let tensor): return (tensor.shape, false)
            case .miss: return (nil, false)
            case .damaged: return (nil, true)
            }
        }
        var stats = FeatureStats()
        stats.hits = lookups.filter { $0.found != nil }.count
        stats.recomputedDamaged = lookups.filter(\.damaged).count
        let missing = lookups.indices.filter { lookups[$0].found == nil }.map { (image: $0 / views.perImage, view: $0 % views.perImage) }
        stats.misses = missing.count

        var featureShape = lookups.lazy.compactMap(\.found).first
        let reporter = progress.map { ProgressReporter("computing features", total: missing.count, unit: "views", write: $0) }
        for first in stride(from: 0, to: missing.count, by: batchSize) {
            let pairs = Array(missing[first..<min(first + batchSize, missing.count)])
            let inputs = try inputBatch(pairs, images: images, hashes: hashes, of: dataset, loader: loader, input: input, views: views)
            let output = try base.run([inputs])[0]
            let perImage = output.count / pairs.count
            let shape = Array(output.shape.dropFirst())
            if let featureShape, featureShape != shape {
                throw DataError(file: cache.directory.path, kind: .corrupt,
                                problem: "cached features have shape \(featureShape), the base computes \(shape): the cache is inconsistent")
            }
            featureShape = shape
            for (row, pair) in pairs.enumerated() {
                let features = try Tensor(shape: shape)
                features.pointer.update(from: output.pointer + row * perImage, count: perImage)
                try cache.write(features, for: keys[pair.image][pair.view])
            }
            reporter?.advance(by: pairs.count)
        }
        stats.seconds = Date().timeIntervalSince(start)
        return FeatureBank(images: images, classCount: dataset.classNames.count, views: views, featureShape: featureShape!,
                           exactness: exactness, stats: stats, keys: keys, cache: cache)
    }

    /// The base's input for (image, view) pairs: each image loaded once, its views drawn from their own generators,
    /// preprocessed, stacked NHWC.
    private func inputBatch(_ pairs: [(image: Int, view: Int)], images: [LabeledImage], hashes: [String], of dataset: Dataset,
                            loader: ImageLoader, input: FeatureInput, views: FeatureViews) throws -> Tensor {
        let wanted = Dictionary(grouping: pairs.map { ($0.image, $0.view) }, by: \.0).mapValues { $0.map(\.1) }
        let byImage = Array(wanted)
        let rendered = try ParallelMap.map(0..<byImage.count) { slot -> [Int: [Float]] in
            let (image, viewIndices) = byImage[slot]
            let loaded = try loader.load(file: dataset.url(of: images[image]))
            var result: [Int: [Float]] = [:]
            for index in viewIndices {
                var view = loaded
                if index > 0, let augmentation = views.augmentation {
                    var generator = FeatureView.generator(seed: views.seed, imageSHA256: hashes[image], index: index)
                    view = augmentation.augment(view, using: &generator)
                }
                if input.channels == 1 { view = view.luma() }
                try input.preprocessing.apply(to: &view)
                result[index] = view.pixels
            }
            return result
        }
        let renderedByImage = Dictionary(uniqueKeysWithValues: zip(byImage.map(\.0), rendered))
        var pixels: [Float] = []
        pixels.reserveCapacity(pairs.count * input.height * input.width * input.channels)
        for pair in pairs { pixels += renderedByImage[pair.image]![pair.view]! }
        return try Tensor(shape: [pairs.count, input.height, input.width, input.channels], values: pixels)
    }

    private func hash(_ images: [LabeledImage], of dataset: Dataset) throws -> [String] {
        let reporter = progress.map { ProgressReporter("hashing images", total: images.count, write: $0) }
        return try ParallelMap.map(0..<images.count) { index in
            defer { reporter?.advance() }
            return try ContentHash.sha256Hex(ofFileAt: dataset.url(of: images[index]).path)
        }
    }

    /// SHA-256 of the graph's JSON with sorted keys: the same graph, the same digest.
    private static func digest(of graph: ModelGraph) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return ContentHash.sha256Hex(of: try encoder.encode(graph))
    }
}

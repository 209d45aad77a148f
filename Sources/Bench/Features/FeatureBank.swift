import Foundation
import Tensor

/// What one extraction did: entries found valid in the cache, computed because missing, and among those the ones
/// recomputed because the cached entry was damaged; wall-clock seconds of the whole extraction.
public struct FeatureStats: Sendable, Equatable {
    public var hits = 0
    /// Entries computed (missing or damaged).
    public var misses = 0
    /// Of `misses`, those whose entry was damaged (reported, deleted, recomputed).
    public var recomputedDamaged = 0
    public var seconds = 0.0

    public init() {}
}

/// A frozen base's features for a list of images: per image K+1 views (view 0 the image itself, 1...K augmented),
/// each a tensor of `featureShape`, with the images' labels.
///
/// The features stay on disk in the cache and are read (and checked) when a batch asks for them: a bank of ResNet50
/// features for ten thousand images with ten views each would not fit in memory. An entry damaged after extraction
/// is an error naming the file (extracting again recomputes it).
public final class FeatureBank: @unchecked Sendable {
    public let images: [LabeledImage]
    public let classCount: Int
    public let views: FeatureViews
    /// One feature tensor's shape (no batch axis).
    public let featureShape: [Int]
    public let exactness: FeatureExactness
    public let stats: FeatureStats
    /// Per image, per view: the entry keys.
    let keys: [[FeatureKey]]
    private let cache: FeatureCache

    init(images: [LabeledImage], classCount: Int, views: FeatureViews, featureShape: [Int], exactness: FeatureExactness,
         stats: FeatureStats, keys: [[FeatureKey]], cache: FeatureCache) {
        self.images = images
        self.classCount = classCount
        self.views = views
        self.featureShape = featureShape
        self.exactness = exactness
        self.stats = stats
        self.keys = keys
        self.cache = cache
    }

    /// How a table labels runs trained on this bank: nil for exact features of un-augmented images; otherwise
    /// what departs from the notebooks (a fixed bank of augmented views instead of fresh augmentation every
    /// epoch, and/or approximate features).
    public var departure: String? {
        var notes: [String] = []
        if views.count > 0 { notes.append("augmentation from a fixed bank of \(views.count) views per image (seed \(views.seed)), not fresh every epoch") }
        if case .approximate(let reason) = exactness { notes.append("approximate features: \(reason)") }
        return notes.isEmpty ? nil : notes.joined(separator: "; ")
    }

    /// The features of view `view` (0...K) of image `image`, shape `featureShape`.
    public func features(image: Int, view: Int) throws -> Tensor {
        precondition(images.indices.contains(image) && (0...views.count).contains(view), "no view \(view) of image \(image)")
        switch cache.read(keys[image][view]) {
        case .hit(let tensor) where tensor.shape == featureShape: return tensor
        case .hit(let tensor):
            throw DataError(file: cache.url(of: keys[image][view]).path, kind: .corrupt,
                            problem: "feature cache entry of \(images[image].path) has shape \(tensor.shape), the bank \(featureShape)")
        case .miss:
            throw DataError(file: cache.url(of: keys[image][view]).path, kind: .unreadable,
                            problem: "feature cache entry of \(images[image].path) view \(view) vanished after extraction; extract again")
        case .damaged(let file, let problem):
            throw DataError(file: file, kind: .corrupt,
                            problem: "feature cache entry of \(images[image].path) view \(view) damaged after extraction (\(problem)); extract again")
        }
    }

    /// The features of (image, view) pairs as one batch: shape [pairs.count] + `featureShape`.
    public func batch(_ pairs: [(image: Int, view: Int)]) throws -> Tensor {
        let perImage = featureShape.reduce(1, *)
        let batch = try Tensor(shape: [pairs.count] + featureShape)
        for (row, pair) in pairs.enumerated() {
            let features = try features(image: pair.image, view: pair.view)
            (batch.pointer + row * perImage).update(from: features.pointer, count: perImage)
        }
        return batch
    }
}

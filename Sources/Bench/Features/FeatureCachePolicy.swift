import Converter
import Zoo

/// Whether cached features are what the frozen base would compute during training.
public enum FeatureExactness: Sendable, Equatable {
    /// The base maps each image to the same features in training as at inference: the cache changes nothing.
    case exact
    /// Cached features stand in for ones the base would compute differently in training; the reason says how.
    /// Tables must label runs that use them.
    case approximate(reason: String)
}

/// Why features of a base cannot be cached exactly (and no approximation was asked for).
public struct FeatureCacheRefusal: Error, CustomStringConvertible, Sendable, Equatable {
    public let reason: String
    public var description: String { reason }
}

/// The rule for caching a frozen base's features: only a base that is a function of each image alone.
///
/// Convolutions, pooling and activations are. A frozen BatchNormalization is in TF2/Keras 3 semantics (inference
/// mode, moving statistics), but not in Keras 2.2's, which the notebooks ran: there it normalises with the mean
/// and variance of whatever images share the batch, so a cached feature (computed with the moving statistics)
/// is not what training would have seen. Dropout and noise layers in the base draw fresh randomness per batch in
/// training, so they break exactness in either semantics.
public enum FeatureCachePolicy {
    /// `.exact`, or `.approximate` when `approximate` allows what would otherwise be refused.
    /// - Throws: `FeatureCacheRefusal` naming the layers, when the base is not exact and `approximate` is false.
    public static func check(_ base: ModelGraph, frozenBatchNorm: FrozenBatchNorm, approximate: Bool) throws -> FeatureExactness {
        var reasons: [String] = []
        let batchNorms = base.layers.filter { $0.op == .batchNorm }.map(\.name)
        if frozenBatchNorm == .keras2 && !batchNorms.isEmpty {
            reasons.append("with keras2 frozen BatchNormalization semantics, \(describe(batchNorms)) normalise with the statistics of "
                + "each training batch, which cached features (moving statistics) do not reproduce")
        }
        let noisy = base.layers.filter { $0.op == .dropout }.map(\.name)
        if !noisy.isEmpty {
            reasons.append("\(describe(noisy)) draw fresh noise in every training batch, which cached features do not reproduce")
        }
        guard !reasons.isEmpty else { return .exact }
        let reason = "features of '\(base.name)' cannot be cached exactly: " + reasons.joined(separator: "; ")
        guard approximate else {
            throw FeatureCacheRefusal(reason: reason + " (train without the feature cache, use tf2 semantics, or allow a labelled approximation)")
        }
        return .approximate(reason: reason)
    }

    private static func describe(_ layers: [String]) -> String {
        let shown = layers.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
        return "\(layers.count) layer(s) (\(shown)\(layers.count > 3 ? ", ..." : ""))"
    }
}

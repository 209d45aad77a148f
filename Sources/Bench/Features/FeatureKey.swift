import Crypto
import Foundation
import Tensor

/// Everything a cached feature depends on, written out as text and hashed: two computations with the same key
/// give the same bits, and anything that could change a bit is in the key.
///
/// - the base: the SHA-256 of its weights file, a digest of its graph (where it is cut matters as much as the
///   weights) and the execution mode (fused and layer-by-layer differ in rounding);
/// - the image: the SHA-256 of the file's content (not its path: a renamed file stays cached, a changed one not);
/// - the view: identity, or the augmentation configuration, seed and view index;
/// - how the image becomes the input: size, interpolation, 16-bit rule, channels and preprocessing.
public struct FeatureKey: Sendable, Hashable {
    /// The canonical text the digest is taken of, one `name=value` per line.
    public let text: String
    /// SHA-256 of `text`: the entry's file name and what its header records.
    public let digest: [UInt8]

    init(base: FeatureBaseIdentity, imageSHA256: String, view: Int, views: FeatureViews, input: FeatureInput) {
        var lines = [
            "format=\(FeatureEntry.version)",
            "weights=\(base.weightsSHA256)",
            "graph=\(base.graphSHA256)",
            "mode=\(base.mode)",
            "image=\(imageSHA256)",
            "size=\(input.width)x\(input.height)",
            "interpolation=\(input.interpolation.rawValue)",
            "sixteen-bit=\(input.sixteenBit)",
            "channels=\(input.channels)",
            "preprocessing=\(input.preprocessing)",
        ]
        if view == 0 {
            lines.append("view=identity")
        } else if let augmentation = views.augmentation {
            lines += ["view=\(view)", "seed=\(views.seed)", "augmentation=\(FeatureKey.canonicalJSON(augmentation))"]
        }
        text = lines.joined(separator: "\n")
        digest = Array(SHA256.hash(data: Data(text.utf8)))
    }

    /// The digest as 64 lowercase hex digits.
    public var hex: String { digest.map { String(format: "%02x", $0) }.joined() }

    private static func canonicalJSON(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // An AugmentationConfig holds only numbers, booleans and enums: encoding cannot fail.
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "unencodable"
    }
}

/// The frozen base as the key sees it.
struct FeatureBaseIdentity: Sendable, Hashable {
    let weightsSHA256: String
    let graphSHA256: String
    let mode: String
}

/// How an image file becomes the base's input.
struct FeatureInput: Sendable, Hashable {
    let width: Int
    let height: Int
    let interpolation: ImageLoader.Interpolation
    let sixteenBit: String
    let channels: Int
    let preprocessing: Preprocessing
}

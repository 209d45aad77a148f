/// How view v (1...K) of an image is drawn: from a generator of its own, derived from (seed, image content, v),
/// never from one stream shared by all images, so the same image gets the same view in every run, whatever the
/// batch size, the order of the images, or which of them were already cached.
enum FeatureView {
    /// The generator that draws view `index` of the image whose content hash is `imageSHA256`.
    static func generator(seed: UInt64, imageSHA256: String, index: Int) -> SeededGenerator {
        // The first 16 hex digits of the content hash identify the image for the stream (64 bits).
        let image = UInt64(imageSHA256.prefix(16), radix: 16) ?? 0
        return SeededGenerator(seed: seed, stream: [3, image, UInt64(index)])
    }
}

/// The bank of views to compute per image (view 0, the image itself, always comes first): K augmented views of `augmentation` drawn from `seed` (K = 0: none,
/// only the image itself).
public struct FeatureViews: Sendable, Equatable {
    public let augmentation: AugmentationConfig?
    /// K, the augmented views per image (view 0, the image itself, comes in addition).
    public let count: Int
    public let seed: UInt64

    /// K augmented views of `augmentation` drawn from `seed`; `count` 0 means no augmentation.
    public init(augmentation: AugmentationConfig?, count: Int, seed: UInt64) throws {
        guard count >= 0 else {
            throw DataError(file: "feature views", kind: .badArgument, problem: "the number of augmented views must be 0 or more, got \(count)")
        }
        guard count == 0 || augmentation != nil else {
            throw DataError(file: "feature views", kind: .badArgument, problem: "\(count) augmented views need an augmentation")
        }
        self.init(checked: count == 0 ? nil : augmentation, count: count, seed: seed)
    }

    private init(checked augmentation: AugmentationConfig?, count: Int, seed: UInt64) {
        self.augmentation = augmentation
        self.count = count
        self.seed = seed
    }

    /// Only the un-augmented image.
    public static let none = FeatureViews(checked: nil, count: 0, seed: 0)

    /// Views per image, the un-augmented one included: K + 1.
    public var perImage: Int { count + 1 }
}

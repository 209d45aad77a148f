/// The random augmentation of Keras' `ImageDataGenerator`, with the same parameter meanings
/// (docs/notebooks.md, "Loading and augmentation"). Random draws come from a `SeededGenerator`, so the distribution
/// is Keras' and a run repeats exactly for a seed; numpy's own random stream is not reproduced.
public struct AugmentationConfig: Sendable, Equatable, Codable {
    /// Degrees: theta ~ U(-range, range).
    public var rotationRange: Double = 0
    /// Below 1 a fraction of the width, otherwise pixels: ty ~ U(-range, range).
    public var widthShiftRange: Double = 0
    /// Below 1 a fraction of the height, otherwise pixels: tx ~ U(-range, range).
    public var heightShiftRange: Double = 0
    /// Degrees (not radians, as in Keras 2.2 and later): shear ~ U(-range, range).
    public var shearRange: Double = 0
    /// zx and zy are drawn independently from U(lower, upper); Keras' `zoom_range=z` is [1-z, 1+z].
    public var zoomLower: Double = 1
    public var zoomUpper: Double = 1
    public var horizontalFlip = false
    public var verticalFlip = false
    public var fillMode: FillMode = .nearest
    /// The value outside the image for `fillMode == .constant`.
    public var constantValue: Float = 0
    public var centre: CentreConvention = .keras3

    public init() {}

    /// Sets the zoom range as Keras' scalar `zoom_range` does.
    public mutating func setZoomRange(_ range: Double) {
        zoomLower = 1 - range
        zoomUpper = 1 + range
    }

    /// The TB notebooks' generator (VGG16, VGG19, attention VGG16), also used on their validation set.
    public static var tuberculosisNotebooks: AugmentationConfig {
        var config = AugmentationConfig()
        config.rotationRange = 5
        config.widthShiftRange = 0.15
        config.heightShiftRange = 0.15
        config.shearRange = 0.01
        config.setZoomRange(0.1)
        config.horizontalFlip = true
        config.centre = .kerasPreprocessing110
        return config
    }

    /// The ResNet50 melanoma notebook's training generator.
    public static var melanomaNotebook: AugmentationConfig {
        var config = AugmentationConfig()
        config.rotationRange = 40
        config.widthShiftRange = 0.2
        config.heightShiftRange = 0.2
        config.shearRange = 0.2
        config.setZoomRange(0.2)
        config.horizontalFlip = true
        config.verticalFlip = true
        config.centre = .kerasPreprocessing110
        return config
    }

    /// Draws one image's parameters in Keras' order (`get_random_transform`).
    public func randomParameters(height: Int, width: Int, using generator: inout SeededGenerator) -> AffineParameters {
        var parameters = AffineParameters()
        if rotationRange != 0 { parameters.theta = generator.uniform(-rotationRange, rotationRange) }
        if heightShiftRange != 0 {
            parameters.tx = generator.uniform(-heightShiftRange, heightShiftRange)
            if heightShiftRange < 1 { parameters.tx *= Double(height) }
        }
        if widthShiftRange != 0 {
            parameters.ty = generator.uniform(-widthShiftRange, widthShiftRange)
            if widthShiftRange < 1 { parameters.ty *= Double(width) }
        }
        if shearRange != 0 { parameters.shear = generator.uniform(-shearRange, shearRange) }
        if zoomLower != 1 || zoomUpper != 1 {
            parameters.zx = generator.uniform(zoomLower, zoomUpper)
            parameters.zy = generator.uniform(zoomLower, zoomUpper)
        }
        parameters.flipHorizontal = horizontalFlip && generator.unit() < 0.5
        parameters.flipVertical = verticalFlip && generator.unit() < 0.5
        return parameters
    }

    /// Applies `randomParameters` to one image.
    public func augment(_ image: FloatImage, using generator: inout SeededGenerator) -> FloatImage {
        let parameters = randomParameters(height: image.height, width: image.width, using: &generator)
        return parameters.apply(to: image, fillMode: fillMode, constantValue: constantValue, centre: centre)
    }
}

/// How points outside the image are filled. Keras also offers 'reflect' and 'wrap', which the
/// notebooks do not use and Zoo does not implement.
public enum FillMode: String, Sendable, Codable, CaseIterable {
    /// Repeat the edge pixel (the notebooks' choice).
    case nearest
    /// A constant value.
    case constant
}

/// Where Keras puts the centre the affine transform turns about (`transform_matrix_offset_center`).
public enum CentreConvention: String, Sendable, Codable {
    /// `dim / 2 - 0.5`, the exact pixel centre: Keras 3 and tf-keras (the pinned reference).
    case keras3
    /// `dim / 2 + 0.5`, one pixel off: keras_preprocessing 1.1.0, which the notebooks ran.
    case kerasPreprocessing110

    var offset: Double { self == .keras3 ? -0.5 : 0.5 }
}

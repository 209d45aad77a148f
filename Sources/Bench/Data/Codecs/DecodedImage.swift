/// The two file formats Zoo reads and writes.
public enum ImageFormat: String, Sendable, Codable {
    case png
    case jpeg
}

/// How a file stores colour (before any conversion).
public enum ColorKind: String, Sendable, Codable {
    case gray
    case grayAlpha = "gray+alpha"
    case rgb
    case rgba
    case palette
    case cmyk
}

/// What a file's header says about its pixels.
public struct ImageInfo: Sendable, Equatable {
    public let format: ImageFormat
    public let width: Int
    public let height: Int
    /// Bits per sample as stored: 1, 2, 4, 8 or 16 for PNG; 8 for JPEG.
    public let bitDepth: Int
    public let color: ColorKind
    /// Adam7-interlaced PNG or progressive JPEG.
    public let interlaced: Bool
}

/// A decoded image holding what Pillow holds after opening the same file: palettes expanded,
/// alpha dropped, gray or RGB samples. Only plain 16-bit grayscale stays 16-bit (Pillow's "I;16");
/// the other 16-bit PNG kinds become 8-bit exactly as Pillow unpacks them (see png_codec.c).
public struct DecodedImage: Sendable {
    public enum Samples: Sendable {
        case eightBit([UInt8])
        case sixteenBit([UInt16])
    }

    public let info: ImageInfo
    /// 1 (gray) or 3 (RGB), interleaved row-major.
    public let channels: Int
    public let samples: Samples

    public var width: Int { info.width }
    public var height: Int { info.height }

    public init(info: ImageInfo, channels: Int, samples: Samples) {
        self.info = info
        self.channels = channels
        self.samples = samples
    }
}

extension DecodedImage {
    /// Whether Keras' rule for 16-bit grayscale (clip to 255) changes any sample of this image: true for nearly
    /// every real 16-bit X-ray, whose values run far above 255.
    public var clipsAbove255: Bool {
        guard case .sixteenBit(let samples) = samples else { return false }
        return samples.contains { $0 > 255 }
    }
}

import Foundation

/// Loads an image file as Keras' `load_img(path, color_mode='rgb', target_size=..., interpolation=...)`
/// followed by `img_to_array` does: RGB Float32 samples in 0...255, resized straight to the target
/// size (no aspect ratio kept, no crop).
public struct ImageLoader: Sendable {
    public enum Interpolation: String, Sendable, CaseIterable, Codable {
        /// Pillow NEAREST, the `flow_from_directory` default the notebooks used.
        case nearest
        /// `tf.image.resize` bilinear on the full-size `img_to_array` result.
        case bilinear
    }

    /// What becomes of 16-bit grayscale samples (12-bit X-rays such as Montgomery's come as 16-bit PNGs).
    public enum SixteenBit: Sendable, Equatable {
        /// Pillow 13's `convert('RGB')`, and so the notebooks' Keras pipeline: values above 255 become 255,
        /// the rest stay, so a 12-bit X-ray comes out nearly white. The default, for parity with Keras.
        case clip
        /// Scaled to 0...255 from `bits` significant bits (1 to 16): `v * 255 / (2^bits - 1)`, as a Float (no
        /// rounding, so the extra depth survives); values above `2^bits - 1` become 255.
        case scale(bits: Int)

        /// The rule a command-line value names: `clip`, or a number of significant bits from 9 to 16.
        public init?(argument: String) {
            if argument == "clip" {
                self = .clip
            } else if let bits = Int(argument), (9...16).contains(bits) {
                self = .scale(bits: bits)
            } else {
                return nil
            }
        }

        /// The 0...255 value of one sample.
        @inline(__always) func value(_ sample: UInt16) -> Float {
            switch self {
            case .clip: return Float(min(sample, 255))
            case .scale(let bits):
                let maximum = UInt16((1 << min(max(bits, 1), 16)) - 1)
                return Float(min(sample, maximum)) * (255 / Float(maximum))
            }
        }
    }

    public struct Size: Sendable, Equatable, Codable {
        public var width: Int
        public var height: Int
        public init(width: Int, height: Int) {
            self.width = width
            self.height = height
        }
    }

    public var decoder: ImageDecoder
    /// nil keeps each image's own size.
    public var targetSize: Size?
    public var interpolation: Interpolation
    public var sixteenBit: SixteenBit

    public init(targetSize: Size?, interpolation: Interpolation = .nearest, sixteenBit: SixteenBit = .clip,
                decoder: ImageDecoder = ImageDecoder()) {
        self.targetSize = targetSize
        self.interpolation = interpolation
        self.sixteenBit = sixteenBit
        self.decoder = decoder
    }

    public func load(file url: URL) throws -> FloatImage {
        try convert(decoder.decode(ImageDecoder.read(url), file: url.path))
    }

    /// Pillow's `convert('RGB')` plus the resize. Gray is copied into all three channels. 16-bit
    /// grayscale (Pillow mode "I;16") follows `sixteenBit`: clipped by default, as Pillow 13 does and the
    /// notebooks' Keras pipeline fed the network, or scaled from its significant bits.
    public func convert(_ image: DecodedImage) -> FloatImage {
        let size = targetSize ?? Size(width: image.width, height: image.height)
        switch (interpolation, image.samples) {
        case (.nearest, .eightBit(let samples)):
            return Resize.nearestToRGB(samples, width: image.width, height: image.height, channels: image.channels,
                                       toWidth: size.width, toHeight: size.height) { Float($0) }
        case (.nearest, .sixteenBit(let samples)):
            // Converting only the kept pixels gives the same result as Pillow's convert-then-resize.
            let rule = sixteenBit
            return Resize.nearestToRGB(samples, width: image.width, height: image.height, channels: image.channels,
                                       toWidth: size.width, toHeight: size.height) { rule.value($0) }
        case (.bilinear, _):
            let full = ImageLoader.rgb(image, sixteenBit: sixteenBit)
            if full.width == size.width && full.height == size.height { return full }
            return Resize.bilinear(full, toWidth: size.width, toHeight: size.height)
        }
    }

    /// The full-size RGB Float image Pillow's `convert('RGB')` and `img_to_array` give (16-bit samples by `sixteenBit`).
    static func rgb(_ image: DecodedImage, sixteenBit: SixteenBit) -> FloatImage {
        switch image.samples {
        case .eightBit(let samples):
            return rgb(samples, width: image.width, height: image.height, channels: image.channels) { Float($0) }
        case .sixteenBit(let samples):
            return rgb(samples, width: image.width, height: image.height, channels: image.channels) { sixteenBit.value($0) }
        }
    }

    @inline(__always)
    static func rgb<Sample>(_ samples: [Sample], width: Int, height: Int, channels: Int,
                            _ value: (Sample) -> Float) -> FloatImage {
        let count = width * height
        let pixels = [Float](unsafeUninitializedCapacity: count * 3) { output, initialized in
            samples.withUnsafeBufferPointer { input in
                if channels == 1 {
                    for index in 0..<count {
                        let gray = value(input[index])
                        output[3 * index] = gray
                        output[3 * index + 1] = gray
                        output[3 * index + 2] = gray
                    }
                } else {
                    for index in 0..<count * 3 { output[index] = value(input[index]) }
                }
            }
            initialized = count * 3
        }
        return FloatImage(width: width, height: height, channels: 3, pixels: pixels)
    }
}

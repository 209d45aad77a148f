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

    public init(targetSize: Size?, interpolation: Interpolation = .nearest, decoder: ImageDecoder = ImageDecoder()) {
        self.targetSize = targetSize
        self.interpolation = interpolation
        self.decoder = decoder
    }

    public func load(file url: URL) throws -> FloatImage {
        try convert(decoder.decode(ImageDecoder.read(url), file: url.path))
    }

    /// Pillow's `convert('RGB')` plus the resize. Gray is copied into all three channels. 16-bit
    /// grayscale (Pillow mode "I;16") is *clipped*: Pillow 13 maps every value above 255 to 255 and
    /// keeps 0...255 unchanged (no shift, no scaling), so a 12-bit X-ray comes out nearly white.
    /// That is what the notebooks' Keras pipeline fed the network, so it is reproduced here.
    public func convert(_ image: DecodedImage) -> FloatImage {
        let size = targetSize ?? Size(width: image.width, height: image.height)
        switch (interpolation, image.samples) {
        case (.nearest, .eightBit(let samples)):
            return Resize.nearestToRGB(samples, width: image.width, height: image.height, channels: image.channels,
                                       toWidth: size.width, toHeight: size.height) { Float($0) }
        case (.nearest, .sixteenBit(let samples)):
            // Clipping only the kept pixels gives the same result as Pillow's clip-then-resize.
            return Resize.nearestToRGB(samples, width: image.width, height: image.height, channels: image.channels,
                                       toWidth: size.width, toHeight: size.height) { Float(min($0, 255)) }
        case (.bilinear, _):
            let full = ImageLoader.rgb(image)
            if full.width == size.width && full.height == size.height { return full }
            return Resize.bilinear(full, toWidth: size.width, toHeight: size.height)
        }
    }

    /// The full-size RGB Float image Pillow's `convert('RGB')` and `img_to_array` give.
    static func rgb(_ image: DecodedImage) -> FloatImage {
        switch image.samples {
        case .eightBit(let samples):
            return rgb(samples, width: image.width, height: image.height, channels: image.channels) { Float($0) }
        case .sixteenBit(let samples):
            return rgb(samples, width: image.width, height: image.height, channels: image.channels) { Float(min($0, 255)) }
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

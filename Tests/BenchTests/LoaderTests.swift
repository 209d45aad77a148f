import Foundation
import Testing
@testable import Bench
import Tensor

/// Loaded, converted and resized images must equal Keras' load_img + img_to_array (nearest) and
/// tf.image.resize (bilinear) on the same files.
@Test func nearestResizeEqualsKerasLoadImgExactly() throws {
    let (directory, index) = try ImageIndex.load()
    let loader = ImageLoader(targetSize: .init(width: index.target.width, height: index.target.height), interpolation: .nearest)
    for entry in index.images {
        let file = directory.appendingPathComponent(entry.name)
        let image = try loader.load(file: file)
        let reference = try References.floats(file.appendingPathExtension("nearest"))
        #expect(image.channels == 3 && image.width == index.target.width && image.height == index.target.height)
        #expect(image.pixels.count == reference.count, "\(entry.name): sample count")
        let difference = References.maxDifference(image.pixels, reference)
        #expect(difference == 0, "\(entry.name): max |Δ| \(difference)")
    }
}

/// One-channel model inputs: the luma of the loaded image equals Keras' `load_img(color_mode="grayscale")`
/// (Pillow's `convert('L')`) on every 8-bit file, colour, palette and gray alike. Keras leaves a 16-bit
/// gray file (Pillow mode "I;16") unconverted in grayscale mode, raw 0...65535 values, which neither of
/// Zoo's 16-bit rules (clip, scale) reproduces; those files are left out here.
@Test func lumaEqualsKerasGrayscaleLoadImg() throws {
    let (directory, index) = try ImageIndex.load()
    let loader = ImageLoader(targetSize: .init(width: index.target.width, height: index.target.height), interpolation: .nearest)
    for entry in index.images where entry.bits == 8 {
        let file = directory.appendingPathComponent(entry.name)
        let gray = try loader.load(file: file).luma()
        let reference = try References.floats(file.appendingPathExtension("gray"))
        #expect(gray.channels == 1 && gray.pixels.count == reference.count, "\(entry.name): sample count")
        #expect(References.mismatchCount(gray.pixels, reference) == 0, "\(entry.name): max |Δ| \(References.maxDifference(gray.pixels, reference))")
    }
}

/// Float32 throughout, in TensorFlow's operation order; TensorFlow's kernel may fuse a
/// multiply-add, so a few float32 ulps at 255 (1e-3) are allowed.
@Test func bilinearResizeMatchesTFImageResize() throws {
    let (directory, index) = try ImageIndex.load()
    let loader = ImageLoader(targetSize: .init(width: index.target.width, height: index.target.height), interpolation: .bilinear)
    var worst: Float = 0
    for entry in index.images {
        let file = directory.appendingPathComponent(entry.name)
        let image = try loader.load(file: file)
        let reference = try References.floats(file.appendingPathExtension("bilinear"))
        let difference = References.maxDifference(image.pixels, reference)
        worst = max(worst, difference)
        #expect(difference <= 1e-3, "\(entry.name): max |Δ| \(difference)")
    }
    print("tf.image.resize bilinear: worst max |Δ| over \(index.images.count) images: \(worst)")
}

/// Pillow 13 clips 16-bit grayscale to 255 in convert('RGB'): no shift, no scaling.
@Test func sixteenBitGrayIsClippedAsPillowDoes() throws {
    let samples: [UInt16] = [0, 1, 254, 255, 256, 1000, 4095, 65535]
    let info = ImageInfo(format: .png, width: 8, height: 1, bitDepth: 16, color: .gray, interlaced: false)
    let image = ImageLoader(targetSize: nil).convert(DecodedImage(info: info, channels: 1, samples: .sixteenBit(samples)))
    let clipped: [Float] = [0, 1, 254, 255, 255, 255, 255, 255]
    #expect(image.pixels == clipped.flatMap { [$0, $0, $0] })
}

/// The opt-in alternative: 16-bit samples scaled from their significant bits, `v * 255 / (2^bits - 1)`,
/// values beyond the bits saturating, by nearest and bilinear resizing alike.
@Test func sixteenBitGrayScalesFromItsSignificantBits() throws {
    let samples: [UInt16] = [0, 1, 255, 2048, 4095, 4096, 65535, 3000]
    let info = ImageInfo(format: .png, width: 8, height: 1, bitDepth: 16, color: .gray, interlaced: false)
    let decoded = DecodedImage(info: info, channels: 1, samples: .sixteenBit(samples))
    let expected12: [Float] = [0, 255.0 / 4095, 255 * 255.0 / 4095, 2048 * 255.0 / 4095, 255, 255, 255, 3000 * 255.0 / 4095]
    let expected16: [Float] = samples.map { Float(Double($0) * 255 / 65535) }
    for interpolation in ImageLoader.Interpolation.allCases {
        for (bits, expected) in [(12, expected12), (16, expected16)] {
            let image = ImageLoader(targetSize: nil, interpolation: interpolation, sixteenBit: .scale(bits: bits)).convert(decoded)
            let worst = References.maxDifference(image.pixels, expected.flatMap { [$0, $0, $0] })
            #expect(worst <= 1e-4, "\(interpolation), \(bits) bits: max |Δ| \(worst) (infinite: the sample counts differ)")
        }
    }
    #expect(ImageLoader.SixteenBit(argument: "12") == .scale(bits: 12))
    #expect(ImageLoader.SixteenBit(argument: "clip") == .clip)
    #expect(ImageLoader.SixteenBit(argument: "8") == nil && ImageLoader.SixteenBit(argument: "twelve") == nil)
}

/// The notebooks' `rescale=1./255`, `caffe`, `tf` and `torch` against what Keras computes on every 0...255 value
/// (image_references.py: ImageDataGenerator.standardize and the `preprocess_input` of keras.applications' vgg16,
/// resnet_v2 and densenet). Each is the same float32 operations per sample in the same order, so they must agree exactly.
@Test(arguments: [("rescale", Preprocessing.notebooks), ("caffe", Preprocessing.caffe), ("tf", Preprocessing.tf),
                  ("torch", Preprocessing.torch)])
func preprocessingEqualsKeras(name: String, preprocessing: Preprocessing) throws {
    let directory = try References.images.get()
    let input = try References.floats(directory.appendingPathComponent("preprocess.input"))
    let reference = try References.floats(directory.appendingPathComponent("preprocess.\(name)"))
    try #require(input.count == 256 * 3 && reference.count == input.count, "\(name): \(input.count) inputs, \(reference.count) reference values")
    var image = FloatImage(width: 256, height: 1, channels: 3, pixels: input)
    try preprocessing.apply(to: &image)
    #expect(image.pixels.count == reference.count)
    #expect(References.mismatchCount(image.pixels, reference) == 0, "\(name): max |Δ| \(References.maxDifference(image.pixels, reference))")
}

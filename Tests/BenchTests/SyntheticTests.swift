import Foundation
import Testing
@testable import Bench

@Test func synthesisIsDeterministicForASeed() throws {
    let a = try References.temporaryDirectory("synth-a"), b = try References.temporaryDirectory("synth-b")
    let c = try References.temporaryDirectory("synth-c")
    let paths = try SyntheticDatasetWriter.write(.tb, to: a, count: 6, seed: 11)
    try SyntheticDatasetWriter.write(.tb, to: b, count: 6, seed: 11)
    try SyntheticDatasetWriter.write(.tb, to: c, count: 6, seed: 12)
    #expect(paths.count == SyntheticDatasetWriter.fileCount(.tb, count: 6))
    var differs = false
    for path in paths {
        let bytes = try Data(contentsOf: a.appendingPathComponent(path))
        #expect(bytes == (try Data(contentsOf: b.appendingPathComponent(path))), "\(path)")
        if let other = try? Data(contentsOf: c.appendingPathComponent(path)), other != bytes { differs = true }
    }
    #expect(differs, "another seed writes other images")
}

/// Montgomery-like files are 16-bit PNGs with 12-bit values, and Pillow-compatible loading clips
/// them as Keras did; Shenzhen-like files are 8-bit.
@Test func syntheticTuberculosisStorageMatchesTheRealSets() throws {
    let root = try Fixtures.tuberculosis.get()
    let dataset = try DatasetReader.read(root)
    for image in try #require(dataset.split(named: "all")).images {
        let decoded = try ImageDecoder().decode(file: dataset.url(of: image))
        let montgomery = image.path.hasPrefix("MontgomerySet/")
        #expect(decoded.info.bitDepth == (montgomery ? 16 : 8) && decoded.info.color == .gray)
        #expect((256...400).contains(decoded.width) && (256...400).contains(decoded.height))
        if case .sixteenBit(let samples) = decoded.samples { #expect((256...4095).contains(try #require(samples.max()))) }
    }
}

/// A simple fixed feature separates the classes, so the signal survives the Keras-style loading a
/// CNN sees (nearest resize to 224); a constant guess would get half right.
@Test func syntheticClassesAreSeparableAfterLoading() throws {
    let loader = ImageLoader(targetSize: .init(width: 224, height: 224))
    let tb = try DatasetReader.read(try Fixtures.tuberculosis.get())
    var correct = 0, total = 0
    for image in tb.allImages where image.path.hasPrefix("ChinaSet") {
        let pixels = try loader.load(file: tb.url(of: image)).pixels
        // Opacities are the only bright pixels in the upper lung fields, away from the spine.
        var bright = 0
        for row in 34..<112 {
            for column in 22..<202 where abs(column - 112) > 14 && pixels[(row * 224 + column) * 3] > 170 { bright += 1 }
        }
        correct += (bright > 20) == (image.label == 1) ? 1 : 0
        total += 1
    }
    #expect(Double(correct) / Double(total) >= 0.9, "TB opacity feature: \(correct)/\(total)")

    let melanoma = try DatasetReader.read(try Fixtures.melanoma.get())
    correct = 0
    for image in melanoma.allImages {
        let pixels = try loader.load(file: melanoma.url(of: image)).pixels
        // Black, blue-grey and red patches occur only in melanomas (skin and benign lesions are brown).
        var unusual = 0
        for row in 40..<184 {
            for column in 40..<184 {
                let r = pixels[(row * 224 + column) * 3], g = pixels[(row * 224 + column) * 3 + 1], b = pixels[(row * 224 + column) * 3 + 2]
                if b > r - 10 || r < 60 || (r > 140 && g < 90) { unusual += 1 }
            }
        }
        correct += (unusual > 30) == (image.label == 0) ? 1 : 0
    }
    #expect(Double(correct) / Double(melanoma.allImages.count) >= 0.9, "melanoma colour feature: \(correct)/\(melanoma.allImages.count)")
}

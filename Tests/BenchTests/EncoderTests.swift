import Foundation
import Testing
import TestSupport
@testable import Bench

/// PNG files written through libpng decode back to the same samples; JPEG files written through
/// libjpeg (baseline and progressive) decode to the same pixels in Zoo and in Pillow.
@Test func encodedFilesDecodeBackAndPillowAgrees() throws {
    let width = 19, height = 11
    let gray = (0..<width * height).map { UInt8(($0 * 37) % 256) }
    let gray16 = (0..<width * height).map { UInt16(($0 * 997) % 4096) }
    let rgb = (0..<width * height * 3).map { UInt8(($0 * 53) % 256) }
    let decoder = ImageDecoder()

    let png8 = try decoder.decode(ImageEncoder.png(.gray8(gray), width: width, height: height), file: "gray8.png")
    guard case .eightBit(let samples8) = png8.samples else { Issue.record("8-bit PNG decoded as 16-bit"); return }
    #expect(samples8 == gray && png8.channels == 1)
    let png16 = try decoder.decode(ImageEncoder.png(.gray16(gray16), width: width, height: height), file: "gray16.png")
    guard case .sixteenBit(let samples16) = png16.samples else { Issue.record("16-bit PNG decoded as 8-bit"); return }
    #expect(samples16 == gray16 && png16.info.bitDepth == 16)
    let pngRGB = try decoder.decode(ImageEncoder.png(.rgb8(rgb), width: width, height: height, compressionLevel: 9), file: "rgb.png")
    guard case .eightBit(let samplesRGB) = pngRGB.samples else { Issue.record("RGB PNG decoded as 16-bit"); return }
    #expect(samplesRGB == rgb && pngRGB.channels == 3)

    let directory = try References.temporaryDirectory("encoder")
    let jpegs: [(String, Data)] = [
        ("gray.jpg", try ImageEncoder.jpeg(.gray8(gray), width: width, height: height, quality: 85)),
        ("rgb.jpg", try ImageEncoder.jpeg(.rgb8(rgb), width: width, height: height)),
        ("progressive.jpg", try ImageEncoder.jpeg(.rgb8(rgb), width: width, height: height, progressive: true)),
    ]
    for (name, data) in jpegs { try AtomicFile.write(data, to: directory.appendingPathComponent(name)) }
    let result = try TestEnvironment.runPython("data/pillow_decode.py", jpegs.map { directory.appendingPathComponent($0.0).path })
    try #require(result.status == 0, "\(result.stderr)")
    for (name, data) in jpegs {
        let decoded = try decoder.decode(data, file: name)
        #expect(decoded.info.interlaced == (name == "progressive.jpg"))
        guard case .eightBit(let samples) = decoded.samples else { Issue.record("\(name): 16-bit"); continue }
        let pillow = try References.bytes(directory.appendingPathComponent(name + ".pillow"))
        #expect(samples == pillow, "\(name): \(References.mismatchCount(samples, pillow)) samples differ from Pillow's")
    }
    #expect(throws: DataError.self) { try ImageEncoder.jpeg(.gray16(gray16), width: width, height: height) }
    #expect(throws: DataError.self) { try ImageEncoder.png(.rgb8(gray), width: width, height: height) }
}

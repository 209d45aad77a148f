import Foundation
import Testing
@testable import Bench

/// Decoded pixels must equal Pillow's for the same file, for every PNG and JPEG kind.
struct ImageIndex: Decodable {
    struct Entry: Decodable {
        let name: String
        let pillow_mode: String
        let height: Int
        let width: Int
        let channels: Int
        let bits: Int
    }
    struct Target: Decodable {
        let height: Int
        let width: Int
    }
    let target: Target
    let images: [Entry]
    let corrupt: [String]

    static func load() throws -> (URL, ImageIndex) {
        let directory = try References.images.get()
        return (directory, try References.json(ImageIndex.self, directory.appendingPathComponent("index.json")))
    }
}

@Test func decodedPixelsEqualPillowForEveryKind() throws {
    let (directory, index) = try ImageIndex.load()
    #expect(index.images.count >= 20)
    for entry in index.images {
        let file = directory.appendingPathComponent(entry.name)
        let image = try ImageDecoder().decode(file: file)
        #expect(image.width == entry.width && image.height == entry.height, "\(entry.name): size")
        #expect(image.channels == entry.channels, "\(entry.name): channels")
        let expected = file.appendingPathExtension("decoded")
        switch image.samples {
        case .eightBit(let samples):
            #expect(entry.bits == 8, "\(entry.name): Pillow has 16-bit samples")
            let reference = try References.bytes(expected)
            #expect(samples.count == reference.count && samples == reference,
                    "\(entry.name) (Pillow mode \(entry.pillow_mode)): \(References.mismatchCount(samples, reference)) samples differ from Pillow's")
        case .sixteenBit(let samples):
            #expect(entry.bits == 16, "\(entry.name): Pillow has 8-bit samples")
            let reference = try References.uint16s(expected)
            #expect(samples.count == reference.count && samples == reference,
                    "\(entry.name): \(References.mismatchCount(samples, reference)) 16-bit samples differ from Pillow's")
        }
    }
}

@Test func headerInfoDescribesTheFile() throws {
    let (directory, _) = try ImageIndex.load()
    func info(_ name: String) throws -> ImageInfo {
        try ImageDecoder().info(Data(contentsOf: directory.appendingPathComponent(name)), file: name)
    }
    #expect(try info("gray16_interlaced.png") == ImageInfo(format: .png, width: 36, height: 44, bitDepth: 16, color: .gray, interlaced: true))
    #expect(try info("palette4.png").color == .palette)
    #expect(try info("palette4.png").bitDepth == 4)
    #expect(try info("rgba16.png").color == .rgba)
    #expect(try info("progressive.jpg").interlaced)
    #expect(try info("gray.jpg") == ImageInfo(format: .jpeg, width: 57, height: 41, bitDepth: 8, color: .gray, interlaced: false))
}

@Test func damagedFilesAreOneLineErrorsNamingTheFile() throws {
    let (directory, index) = try ImageIndex.load()
    let expectedKinds: [String: DataError.Kind] = [
        "truncated.png": .corrupt, "truncated.jpg": .corrupt, "flipped_byte.png": .corrupt,
        "signature_only.png": .corrupt, "empty.png": .notAnImage, "text.jpg": .notAnImage, "bomb.png": .tooManyPixels,
    ]
    #expect(Set(index.corrupt) == Set(expectedKinds.keys))
    for name in index.corrupt {
        let file = directory.appendingPathComponent(name)
        do {
            _ = try ImageDecoder().decode(file: file)
            Issue.record("\(name) decoded without an error")
        } catch let error as DataError {
            #expect(error.kind == expectedKinds[name], "\(name): \(error)")
            #expect(error.description.hasPrefix(file.path + ": "), "\(error)")
            #expect(!error.description.contains("\n"), "\(error)")
        }
    }
}

@Test func truncatedJPEGIsNotGreyFilled() throws {
    let (directory, _) = try ImageIndex.load()
    let error = #expect(throws: DataError.self) {
        try ImageDecoder().decode(file: directory.appendingPathComponent("truncated.jpg"))
    }
    #expect(error?.problem.contains("Premature end of JPEG file") == true, "\(String(describing: error))")
}

@Test func pixelLimitRefusesLargeImagesUntilRaised() throws {
    let (directory, _) = try ImageIndex.load()
    let file = directory.appendingPathComponent("big_rgb.jpeg")  // 600 x 450 = 270,000 pixels
    let error = #expect(throws: DataError.self) { try ImageDecoder(pixelLimit: 269_999).decode(file: file) }
    #expect(error?.kind == .tooManyPixels)
    #expect(error?.problem.contains("raise it with --max-pixels") == true)
    #expect(throws: Never.self) { try ImageDecoder(pixelLimit: 270_000).decode(file: file) }
}

@Test func missingFileIsAnErrorNamingIt() {
    let error = #expect(throws: DataError.self) { try ImageDecoder().decode(file: URL(fileURLWithPath: "/nonexistent/CHNCXR_0001_0.png")) }
    #expect(error?.description == "/nonexistent/CHNCXR_0001_0.png: no such file")
}

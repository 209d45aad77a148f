import CImageCodecs
import Foundation

/// Writes PNG (libpng) and JPEG (libjpeg) files. Files appear whole or not at all: the bytes go to
/// a temporary name that is renamed over the target.
public enum ImageEncoder {
    public enum Pixels {
        case gray8([UInt8])
        case gray16([UInt16])
        case rgb8([UInt8])
    }

    public static func png(_ pixels: Pixels, width: Int, height: Int, compressionLevel: Int = 6) throws -> Data {
        var buffer = zoo_buffer()
        var message = [CChar](repeating: 0, count: 256)
        let status: Int32
        switch pixels {
        case .gray8(let samples):
            try check(samples.count, width * height, "gray")
            status = zoo_png_encode(samples, UInt32(width), UInt32(height), 1, 8, Int32(compressionLevel), &buffer, &message, message.count)
        case .gray16(let samples):
            try check(samples.count, width * height, "16-bit gray")
            status = zoo_png_encode(samples, UInt32(width), UInt32(height), 1, 16, Int32(compressionLevel), &buffer, &message, message.count)
        case .rgb8(let samples):
            try check(samples.count, width * height * 3, "RGB")
            status = zoo_png_encode(samples, UInt32(width), UInt32(height), 3, 8, Int32(compressionLevel), &buffer, &message, message.count)
        }
        return try take(&buffer, status: status, message: message, format: "PNG")
    }

    public static func jpeg(_ pixels: Pixels, width: Int, height: Int, quality: Int = 90, progressive: Bool = false) throws -> Data {
        var buffer = zoo_buffer()
        var message = [CChar](repeating: 0, count: 256)
        let status: Int32
        switch pixels {
        case .gray8(let samples):
            try check(samples.count, width * height, "gray")
            status = zoo_jpeg_encode(samples, UInt32(width), UInt32(height), 1, Int32(quality), progressive ? 1 : 0, &buffer, &message, message.count)
        case .rgb8(let samples):
            try check(samples.count, width * height * 3, "RGB")
            status = zoo_jpeg_encode(samples, UInt32(width), UInt32(height), 3, Int32(quality), progressive ? 1 : 0, &buffer, &message, message.count)
        case .gray16:
            throw DataError(file: "<jpeg>", kind: .unsupported, problem: "JPEG cannot hold 16-bit samples")
        }
        return try take(&buffer, status: status, message: message, format: "JPEG")
    }

    private static func check(_ count: Int, _ expected: Int, _ kind: String) throws {
        guard count == expected else {
            throw DataError(file: "<image>", kind: .badArgument, problem: "\(count) \(kind) samples given for an image of \(expected)")
        }
    }

    private static func take(_ buffer: inout zoo_buffer, status: Int32, message: [CChar], format: String) throws -> Data {
        guard status == Int32(ZOO_CODEC_OK.rawValue), let bytes = buffer.bytes else {
            let detail = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw DataError(file: "<\(format.lowercased())>", kind: .writeFailed, problem: "\(format) encoding failed: \(detail)")
        }
        defer { zoo_buffer_free(&buffer) }
        return Data(bytes: bytes, count: buffer.size)
    }
}

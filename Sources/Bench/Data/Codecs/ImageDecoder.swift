import CImageCodecs
import Foundation

/// Decodes PNG (libpng) and JPEG (libjpeg) files into the pixels Pillow would give for them.
/// The format is recognised from the file's signature, not its name.
public struct ImageDecoder: Sendable {
    /// Pillow's `Image.MAX_IMAGE_PIXELS`: larger images are refused unless the limit is raised.
    /// Montgomery's 4892x4020 X-rays (19.7 M pixels) are well inside it.
    public static let defaultPixelLimit = 89_478_485

    public var pixelLimit: Int

    public init(pixelLimit: Int = ImageDecoder.defaultPixelLimit) {
        self.pixelLimit = pixelLimit
    }

    public func decode(file url: URL) throws -> DecodedImage {
        try decode(ImageDecoder.read(url), file: url.path)
    }

    /// Reads the header, then decodes straight into the returned array (no copy of the pixels).
    public func decode(_ bytes: Data, file: String) throws -> DecodedImage {
        var (header, format) = try call(bytes, file: file, into: nil, size: 0)
        let info = self.info(of: header, format: format)
        let byteCount = zoo_image_size(&header)
        let count = byteCount / Int(header.bits / 8)
        if header.bits == 16 {
            let samples = try [UInt16](unsafeUninitializedCapacity: count) { buffer, initialized in
                _ = try call(bytes, file: file, into: UnsafeMutableRawPointer(buffer.baseAddress), size: byteCount)
                initialized = count
            }
            return DecodedImage(info: info, channels: Int(header.channels), samples: .sixteenBit(samples))
        }
        let samples = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            _ = try call(bytes, file: file, into: UnsafeMutableRawPointer(buffer.baseAddress), size: byteCount)
            initialized = count
        }
        return DecodedImage(info: info, channels: Int(header.channels), samples: .eightBit(samples))
    }

    /// Reads only the header (still applying the pixel limit).
    public func info(_ bytes: Data, file: String) throws -> ImageInfo {
        let (header, format) = try call(bytes, file: file, into: nil, size: 0)
        return info(of: header, format: format)
    }

    /// Reads a whole file, with an error naming it if that fails.
    public static func read(_ url: URL) throws -> Data {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DataError(file: url.path, kind: .unreadable, problem: "no such file")
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw DataError(file: url.path, kind: .unreadable, problem: "cannot read the file (\(error.localizedDescription))")
        }
    }

    public static func format(of bytes: Data) -> ImageFormat? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    /// One call into the C codec: the header only when `pixels` is nil, else the whole image.
    private func call(_ bytes: Data, file: String, into pixels: UnsafeMutableRawPointer?, size: Int) throws -> (zoo_image, ImageFormat) {
        guard let format = ImageDecoder.format(of: bytes) else {
            let problem = bytes.isEmpty ? "the file is empty" : "not a PNG or JPEG file (unknown signature)"
            throw DataError(file: file, kind: .notAnImage, problem: problem)
        }
        var image = zoo_image()
        var message = [CChar](repeating: 0, count: 256)
        let limit = UInt64(max(pixelLimit, 0))
        let status = bytes.withUnsafeBytes { raw -> Int32 in
            let start = raw.bindMemory(to: UInt8.self).baseAddress
            switch format {
            case .png: return zoo_png_decode(start, raw.count, limit, pixels, size, &image, &message, message.count)
            case .jpeg: return zoo_jpeg_decode(start, raw.count, limit, pixels, size, &image, &message, message.count)
            }
        }
        if status == Int32(ZOO_CODEC_OK.rawValue) { return (image, format) }
        let name = format == .png ? "PNG" : "JPEG"
        let detail = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch zoo_codec_status(rawValue: UInt32(status)) {
        case ZOO_CODEC_TOO_MANY_PIXELS:
            let pixels = Int(image.width) * Int(image.height)
            throw DataError(file: file, kind: .tooManyPixels, problem:
                "\(image.width)x\(image.height) = \(pixels) pixels is above the limit of \(pixelLimit) "
                + "(a decompression-bomb guard; raise it with --max-pixels)")
        case ZOO_CODEC_UNSUPPORTED:
            throw DataError(file: file, kind: .unsupported, problem: "unsupported \(name): \(detail)")
        case ZOO_CODEC_OUT_OF_MEMORY:
            throw DataError(file: file, kind: .outOfMemory, problem: "out of memory decoding \(name): \(detail)")
        default:
            throw DataError(file: file, kind: .corrupt, problem: "corrupt \(name): \(detail)")
        }
    }

    private func info(of image: zoo_image, format: ImageFormat) -> ImageInfo {
        let color: ColorKind
        switch zoo_color_kind(rawValue: UInt32(image.file_color)) {
        case ZOO_COLOR_GRAY: color = .gray
        case ZOO_COLOR_GRAY_ALPHA: color = .grayAlpha
        case ZOO_COLOR_RGBA: color = .rgba
        case ZOO_COLOR_PALETTE: color = .palette
        case ZOO_COLOR_CMYK: color = .cmyk
        default: color = .rgb
        }
        return ImageInfo(format: format, width: Int(image.width), height: Int(image.height),
                         bitDepth: Int(image.file_bit_depth), color: color,
                         interlaced: image.interlaced != 0)
    }
}

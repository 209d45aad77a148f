import Bench
import Foundation
import Testing
import TestSupport

/// An image that declares 100,000 x 100,000 pixels (40 GB as RGB) in under 60 bytes (issue 12 §3): the decoder
/// refuses it from the header, before any buffer is sized, whatever the pixel limit's headroom.
@Suite struct DeclaredImageSizeTests {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }

    /// Signature, IHDR (100000 x 100000, 8-bit RGB) and IEND, each chunk with its CRC: 45 bytes.
    static func hugePNG() -> [UInt8] {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
        }
        let header = bigEndian(100_000) + bigEndian(100_000) + [8, 2, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IEND", [])
    }

    @Test func hundredThousandSquaredPixelsAreRefusedFromTheHeader() throws {
        let bytes = Self.hugePNG()
        #expect(bytes.count < 60)
        let error = #expect(throws: DataError.self) { try ImageDecoder().decode(Data(bytes), file: "huge.png") }
        #expect(error?.kind == .tooManyPixels, "\(String(describing: error))")
        #expect(error.map { "\($0)".contains("huge.png") } == true)
        BadInputRecord.note("images declaring 100k x 100k pixels", "a \(bytes.count)-byte PNG", outcome: "DataError tooManyPixels (zoo: exit 1)")
    }
}

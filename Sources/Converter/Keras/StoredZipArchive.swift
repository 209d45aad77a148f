import Foundation

/// A `.keras` archive, memory-mapped. Keras writes its entries STORED (uncompressed), so each one
/// is a byte range of the file: the weights file is opened in place, never copied or inflated.
/// Compressed entries (an archive re-zipped by another tool) are refused with that reason.
final class StoredZipArchive: @unchecked Sendable {
    let path: String
    let mapping: MappedFile
    private(set) var entries: [String: Range<Int>] = [:]

    init(path: String) throws {
        self.path = path
        mapping = try MappedFile(path: path)
        try readCentralDirectory()
    }

    func bytes(of name: String) throws -> UnsafeRawBufferPointer {
        guard let range = entries[name] else {
            throw ConversionError(file: path, "the archive has no '\(name)' (entries: \(entries.keys.sorted().joined(separator: ", ")))")
        }
        return UnsafeRawBufferPointer(rebasing: mapping.bytes[range])
    }

    func text(of name: String) throws -> String { String(decoding: try bytes(of: name), as: UTF8.self) }

    /// Every offset and size comes from the file, so each is checked against the file before it is
    /// used: a directory that lies (entries past the end, counts it cannot hold, 64-bit sizes) is
    /// refused as damaged, never read out of bounds.
    private func readCentralDirectory() throws {
        let bytes = mapping.bytes
        func u16(_ offset: Int) -> Int { Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 }
        func u32(_ offset: Int) -> Int { u16(offset) | u16(offset + 2) << 16 }
        /// ZIP64 values saturate at `Int.max`, which no range check below lets through.
        func u64(_ offset: Int) -> Int { Int(clamping: UInt64(u32(offset)) | UInt64(u32(offset + 4)) << 32) }
        /// True when `length` bytes from `start` lie inside the file (written so that it cannot overflow).
        func inFile(_ start: Int, _ length: Int) -> Bool { start >= 0 && length >= 0 && start <= bytes.count - length }
        func damaged(_ why: String) -> ConversionError { ConversionError(file: path, "not a readable .keras archive: \(why)") }

        // The end-of-central-directory record sits in the last 64 KiB (its comment is at most 65535 bytes).
        guard bytes.count >= 22 else { throw damaged("too short (\(bytes.count) bytes)") }
        guard let end = stride(from: bytes.count - 22, through: max(0, bytes.count - 22 - 65_535), by: -1)
            .first(where: { u32($0) == 0x0605_4b50 }) else { throw damaged("no end-of-central-directory record (truncated?)") }
        var count = u16(end + 10), directory = u32(end + 16)
        if directory == 0xFFFF_FFFF || count == 0xFFFF, end >= 20, u32(end - 20) == 0x0706_4b50 {
            let record = u64(end - 12)                                    // ZIP64 end-of-central-directory
            guard inFile(record, 56), u32(record) == 0x0606_4b50 else { throw damaged("bad ZIP64 record") }
            count = u64(record + 32)
            directory = u64(record + 48)
        }
        // Each entry takes at least 46 bytes of directory: a count the file cannot hold is a lie.
        guard inFile(directory, 0), count <= (bytes.count - directory) / 46 else {
            throw damaged("the directory claims \(count) entries at offset \(directory) of a \(bytes.count)-byte file")
        }
        var offset = directory
        for _ in 0..<count {
            guard inFile(offset, 46), u32(offset) == 0x0201_4b50 else { throw damaged("central directory is damaged") }
            let method = u16(offset + 10), nameLength = u16(offset + 28), extraLength = u16(offset + 30)
            var compressed = u32(offset + 20), uncompressed = u32(offset + 24), local = u32(offset + 42)
            guard inFile(offset + 46, nameLength + extraLength) else { throw damaged("central directory is damaged") }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(offset + 46)..<(offset + 46 + nameLength)]), as: UTF8.self)
            // ZIP64 sizes and offsets live in an extra field when the 32-bit ones are saturated.
            var extra = offset + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = u16(extra), size = u16(extra + 2)
                let fieldEnd = min(extra + 4 + size, extraEnd)
                if id == 0x0001 {
                    var field = extra + 4
                    func next() throws -> Int {
                        guard field + 8 <= fieldEnd else { throw damaged("entry '\(name)' has a short ZIP64 field") }
                        defer { field += 8 }
                        return u64(field)
                    }
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try next() }
                    if compressed == 0xFFFF_FFFF { compressed = try next() }
                    if local == 0xFFFF_FFFF { local = try next() }
                }
                extra += 4 + size
            }
            guard inFile(local, 30), u32(local) == 0x0403_4b50, inFile(local + 30, u16(local + 26) + u16(local + 28)) else {
                throw damaged("entry '\(name)' is damaged")
            }
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            if method != 0 {
                throw ConversionError(file: path, place: name, "is compressed (method \(method)); Keras stores entries uncompressed, re-save the model with Keras")
            }
            guard inFile(start, compressed), compressed == uncompressed else { throw damaged("entry '\(name)' is truncated") }
            entries[name] = start..<(start + compressed)
            offset += 46 + nameLength + extraLength + u16(offset + 32)
        }
    }
}

/// Constants of the safetensors layout shared by the writer and the reader.
enum SafetensorsFormat {
    /// The Rust loader refuses longer headers (a denial-of-service guard), so the writer must
    /// stay under it and the reader applies it too.
    static let maximumHeaderLength = 100_000_000
    /// The header is padded so the data buffer starts at a multiple of this, as Python's writer
    /// does, so F32 tensors can be used in place from a memory mapping.
    static let headerAlignment = 8
    static let metadataKey = "__metadata__"
    /// Zoo's metadata entry with the SHA-256 of the data buffer, as 64 lowercase hex digits.
    static let dataHashKey = "data_sha256"
}

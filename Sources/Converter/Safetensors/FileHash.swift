import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SHA-256 of a file's contents as 64 lowercase hex digits, read in chunks so a large checkpoint
/// is never held in memory whole. For the `source` metadata of a converted file.
public func sha256Hex(ofFileAt path: String) throws -> String {
    try hexDigest(ofFileAt: path, hasher: SHA256())
}

/// A file's digest under any of swift-crypto's hash functions (Keras' published weights are checked by MD5),
/// as lowercase hex, read in 4 MB chunks.
func hexDigest<Hasher: HashFunction>(ofFileAt path: String, hasher: Hasher) throws -> String {
    var hasher = hasher
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
        let code = errno
        throw ioError(path: path, "open", code: code)
    }
    defer { close(descriptor) }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 16)
    defer { buffer.deallocate() }
    while true {
        let count = try readFully(descriptor, into: buffer, path: path)
        hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        if count < buffer.count { break }
    }
    return hexString(hasher.finalize())
}

/// SHA-256 of bytes in memory as 64 lowercase hex digits.
public func sha256Hex(of bytes: some DataProtocol) -> String {
    hexString(SHA256.hash(data: bytes))
}

/// Lowercase hex, two digits per byte.
func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0xF)])
    }
    return String(decoding: text, as: UTF8.self)
}

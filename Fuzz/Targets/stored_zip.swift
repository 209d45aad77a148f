@testable import Converter

/// The stored-zip reader of `.keras` archives: central directory, ZIP64 records, every entry's bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStoredZip(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = FuzzInput.file(data, size, suffix: "keras")
    guard let archive = try? StoredZipArchive(path: path) else { return 0 }
    var sum = 0
    for name in archive.entries.keys {
        guard let bytes = try? archive.bytes(of: name) else { continue }
        sum &+= Int(bytes.first ?? 0) &+ Int(bytes.last ?? 0)  // touch both ends of the range
    }
    return sum == -1 ? 1 : 0
}

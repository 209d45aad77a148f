import Foundation

/// The dataset manifest reader (`zoo data` manifests: JSON decoded into `Manifest`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = FuzzInput.file(data, size, suffix: "json")
    guard let manifest = try? Manifest.read(from: URL(fileURLWithPath: path)) else { return 0 }
    _ = manifest.dataset(root: URL(fileURLWithPath: "/nonexistent"))
    return 0
}

@testable import Converter

/// The Keras model-config importer (Keras 2 and Keras 3 schemas), and the v3 weight paths it derives.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKerasConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let json = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let importer = KerasConfigImporter(file: "fuzz.json")
    _ = try? importer.importGraph(json: json)
    _ = try? importer.v3Paths(json: json)
    return 0
}

@testable import Converter

/// The safetensors reader: header length, JSON header, tensor table, then every float tensor widened.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = FuzzInput.file(data, size, suffix: "safetensors")
    guard let file = try? SafetensorsFile(path: path) else { return 0 }
    for tensor in file.tensors where ["F32", "F16", "BF16"].contains(tensor.dtype) {
        _ = try? file.floats(of: tensor)
    }
    _ = file.verifyDataHash()
    return 0
}

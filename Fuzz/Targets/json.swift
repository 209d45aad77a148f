@testable import Converter

/// The strict JSON parser of safetensors headers (given valid UTF-8, as the header reader checks first).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let isUTF8 = !transcode(bytes.makeIterator(), from: UTF8.self, to: UTF32.self, stoppingOnError: true) { _ in }
    guard isUTF8 else { return 0 }
    _ = try? JSONParser.parse(bytes)
    return 0
}

import Foundation
import Testing
@testable import Converter

/// A fresh empty directory per test, removed when the value is dropped.
final class ScratchDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "zoo-safetensors-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    /// Everything in the directory, hidden files included: temporary files start with a dot.
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }
}

/// Writes a file in one go: the declared tensors, each with its values.
func writeSafetensors(_ path: String, _ tensors: [(name: String, shape: [Int], values: [Float])],
                      dtype: StorageDType, metadata: [String: String] = [:]) throws {
    var writer = try SafetensorsWriter(path: path, tensors: tensors.map { ($0.name, $0.shape) },
                                       dtype: dtype, metadata: metadata)
    for tensor in tensors { try writer.append(tensor.values) }
    try writer.finish()
}

/// A file laid out by hand: the 8-byte length (given, or the header's), the header, the data.
func craftFile(_ path: String, header: [UInt8], data: [UInt8] = [], length: UInt64? = nil) throws {
    var bytes: [UInt8] = []
    withUnsafeBytes(of: (length ?? UInt64(header.count)).littleEndian) { bytes.append(contentsOf: $0) }
    bytes += header + data
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// The problem a throwing call reported, or nil if it did not throw a SafetensorsError.
func problem(_ body: () throws -> Void) -> SafetensorsError.Problem? {
    do {
        try body()
        return nil
    } catch let error as SafetensorsError {
        return error.problem
    } catch {
        return nil
    }
}

/// Deterministic pseudo-random numbers (SplitMix64), so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

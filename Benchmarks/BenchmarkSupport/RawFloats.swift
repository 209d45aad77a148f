import Foundation
import Tensor

/// Tensors as raw little-endian float32 files: what the Python driver writes with `ndarray.tofile` and
/// reads with `np.fromfile`, so no format library is needed on either side.
public enum RawFloats {
    public struct SizeMismatch: Error, CustomStringConvertible {
        public let description: String
    }

    /// The first `shape.reduce(1, *)` floats of `path` (the file may hold more images than one batch).
    public static func read(_ path: String, shape: [Int]) throws -> Tensor {
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        let tensor = try Tensor(shape: shape)
        let bytes = tensor.count * MemoryLayout<Float>.stride
        guard data.count >= bytes else {
            throw SizeMismatch(description: "\(path): \(data.count) bytes, a batch of \(shape) needs \(bytes)")
        }
        data.withUnsafeBytes { UnsafeMutableRawBufferPointer(start: tensor.pointer, count: bytes).copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<bytes])) }
        return tensor
    }

    public static func write(_ tensor: Tensor, to path: String) throws {
        let data = Data(bytes: tensor.pointer, count: tensor.count * MemoryLayout<Float>.stride)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

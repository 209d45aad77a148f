import Converter
import Tensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a model's weights come from: tensors by their file names (`<layer>/<weight>`), in Keras layouts.
/// The executor asks for each weight once, while it builds its kernels (which repack them), so a source
/// never has to hold a second copy of the model.
public protocol WeightSource {
    /// Where the weights live, for error messages.
    var origin: String { get }
    /// The named tensor as float32, checked against `shape`.
    func tensor(named name: String, shape: [Int]) throws -> Tensor
    /// Calls `body` with the named tensor's float32 values (row-major, checked against `shape`), valid only
    /// during the call: a file source passes its mapping itself, so a kernel built from them is never copied twice.
    func withValues<Result>(named name: String, shape: [Int], _ body: (UnsafeBufferPointer<Float>) throws -> Result) throws -> Result
    /// The named `(K, N)` matrix (leading axes flattened) packed for the GEMM, checked against `shape`.
    func packedMatrix(named name: String, shape: [Int]) throws -> PackedMatrix
}

extension WeightSource {
    public func withValues<Result>(named name: String, shape: [Int], _ body: (UnsafeBufferPointer<Float>) throws -> Result) throws -> Result {
        try tensor(named: name, shape: shape).withValues(body)
    }

    public func packedMatrix(named name: String, shape: [Int]) throws -> PackedMatrix {
        try PackedMatrix(tensor(named: name, shape: shape))
    }
}

/// Weights already in memory.
public struct InMemoryWeights: WeightSource {
    public let tensors: [String: Tensor]
    public let origin: String

    public init(_ tensors: [String: Tensor], origin: String = "in-memory weights") {
        self.tensors = tensors
        self.origin = origin
    }

    public func tensor(named name: String, shape: [Int]) throws -> Tensor {
        guard let tensor = tensors[name] else { throw ModelError("\(origin): no tensor '\(name)'") }
        guard tensor.shape == shape else {
            throw ModelError("\(origin): tensor '\(name)' is \(tensor.shape), the graph expects \(shape)")
        }
        return tensor
    }
}

/// Weights read from a converted safetensors file: F32 copied straight from the mapping, F16 and BF16
/// widened (exactly). Once a tensor is copied its pages are handed back to the kernel, so loading a
/// 550 MB VGG16 does not keep both the mapped file and the packed weights resident.
extension SafetensorsFile: WeightSource {
    public var origin: String { path }

    public func tensor(named name: String, shape: [Int]) throws -> Tensor {
        let info = try checkedInfo(name, shape: shape)
        let result = try Tensor(shape: shape)
        switch info.dtype {
        case "F32":
            let bytes = rawBytes(of: info)
            UnsafeMutableRawBufferPointer(start: result.pointer, count: result.count * 4).copyMemory(from: bytes)
        case "F16", "BF16":
            let values = try floats(of: info)
            values.withUnsafeBufferPointer { result.pointer.update(from: $0.baseAddress!, count: $0.count) }
        default:
            throw ModelError("\(path): tensor '\(name)' is stored as \(info.dtype); the executor runs F32, F16 and BF16 weights")
        }
        releasePages(of: info)
        return result
    }

    /// F32 values are the mapping itself; their pages are handed back once `body` is done with them.
    public func withValues<Result>(named name: String, shape: [Int], _ body: (UnsafeBufferPointer<Float>) throws -> Result) throws -> Result {
        guard let values = try mappedFloats(named: name, shape: shape) else {
            return try tensor(named: name, shape: shape).withValues(body)
        }
        defer { releasePages(UnsafeRawBufferPointer(values)) }
        return try body(values)
    }

    /// F32 matrices pack straight from the mapping, a block of rows at a time, each block's pages handed
    /// back once packed: the largest kernel (VGG16's fc1, 411 MB) is never resident twice.
    public func packedMatrix(named name: String, shape: [Int]) throws -> PackedMatrix {
        guard shape.count >= 2, let values = try mappedFloats(named: name, shape: shape) else {
            return try PackedMatrix(tensor(named: name, shape: shape))
        }
        let columns = shape[shape.count - 1], rows = shape.dropLast().reduce(1, *)
        return try PackedMatrix(rows: rows, columns: columns, packing: values) { block in
            releasePages(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(values)[(block.lowerBound * columns * 4)..<(block.upperBound * columns * 4)]))
        }
    }

    /// The named tensor's values in the mapping, when it is stored as aligned F32; nil when it must be converted.
    private func mappedFloats(named name: String, shape: [Int]) throws -> UnsafeBufferPointer<Float>? {
        let info = try checkedInfo(name, shape: shape)
        let bytes = rawBytes(of: info)
        guard info.dtype == "F32", Int(bitPattern: bytes.baseAddress) % MemoryLayout<Float>.alignment == 0 else { return nil }
        return UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: Float.self), count: bytes.count / 4)
    }

    private func checkedInfo(_ name: String, shape: [Int]) throws -> TensorInfo {
        guard let info = tensor(named: name) else { throw ModelError("\(path): no tensor '\(name)'") }
        guard info.shape == shape else {
            throw ModelError("\(path): tensor '\(name)' is \(info.shape), the graph expects \(shape)")
        }
        return info
    }

    private func releasePages(of info: TensorInfo) { releasePages(rawBytes(of: info)) }

    /// Drops the resident pages of bytes already copied out (whole pages inside them only). The mapping
    /// is private and read-only, so this frees memory and a later read simply faults the page in again.
    private func releasePages(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: base) + page - 1) / page * page
        let end = (Int(bitPattern: base) + bytes.count) / page * page
        guard end > start, let address = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(address, end - start, Int32(MADV_DONTNEED))
    }
}

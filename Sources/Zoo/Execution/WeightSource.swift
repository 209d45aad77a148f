import Converter
import Tensor

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
public struct InMemoryWeights: WeightSource, Sendable {
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

/// Weights read from a converted safetensors file: F32 read straight from the mapping, F16 and BF16
/// widened (exactly). Once a tensor is copied its pages are handed back to the kernel, so loading a
/// 550 MB VGG16 does not keep both the mapped file and the packed weights resident.
extension SafetensorsFile: WeightSource {
    public var origin: String { path }

    public func tensor(named name: String, shape: [Int]) throws -> Tensor {
        let info = try checkedFloatInfo(name, shape: shape)
        let result = try Tensor(shape: shape)
        try floats(of: info, elements: 0..<result.count, into: UnsafeMutableBufferPointer(start: result.pointer, count: result.count))
        releasePages(rawBytes(of: info))
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

    /// Packs a block of rows at a time, F32 straight from the mapping and F16/BF16 widened into one block's
    /// buffer, each block's pages handed back once packed: the largest kernel (VGG16's fc1, 411 MB as
    /// float32) is never resident twice, whatever its stored precision.
    public func packedMatrix(named name: String, shape: [Int]) throws -> PackedMatrix {
        guard shape.count >= 2 else { return try PackedMatrix(tensor(named: name, shape: shape)) }
        let info = try checkedFloatInfo(name, shape: shape)
        let columns = shape[shape.count - 1], rows = shape.dropLast().reduce(1, *), rowsPerBlock = 1024
        let bytes = rawBytes(of: info), rowBytes = bytes.count / rows
        func release(_ block: Range<Int>) {
            releasePages(UnsafeRawBufferPointer(rebasing: bytes[(block.lowerBound * rowBytes)..<(block.upperBound * rowBytes)]))
        }
        if let values = try mappedFloats(named: name, shape: shape) {
            return try PackedMatrix(rows: rows, columns: columns, rowsPerBlock: rowsPerBlock,
                                    rowsOf: { values.baseAddress! + $0.lowerBound * columns }, released: release)
        }
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: min(rowsPerBlock, rows) * columns)
        defer { buffer.deallocate() }
        return try PackedMatrix(rows: rows, columns: columns, rowsPerBlock: rowsPerBlock, rowsOf: { block in
            try floats(of: info, elements: (block.lowerBound * columns)..<(block.upperBound * columns), into: buffer)
            return UnsafePointer(buffer.baseAddress!)
        }, released: release)
    }

    /// The named tensor's values in the mapping, when it is stored as aligned F32; nil when it must be converted.
    private func mappedFloats(named name: String, shape: [Int]) throws -> UnsafeBufferPointer<Float>? {
        let info = try checkedFloatInfo(name, shape: shape)
        let bytes = rawBytes(of: info)
        guard StorageDType(rawValue: info.dtype) == .f32, Int(bitPattern: bytes.baseAddress) % MemoryLayout<Float>.alignment == 0 else { return nil }
        return UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: Float.self), count: bytes.count / 4)
    }

    /// The named tensor, checked against `shape` and to be one the executor runs (F32, F16, BF16).
    private func checkedFloatInfo(_ name: String, shape: [Int]) throws -> TensorInfo {
        guard let info = tensor(named: name) else { throw ModelError("\(path): no tensor '\(name)'") }
        guard info.shape == shape else {
            throw ModelError("\(path): tensor '\(name)' is \(info.shape), the graph expects \(shape)")
        }
        guard StorageDType(rawValue: info.dtype) != nil else {
            throw ModelError("\(path): tensor '\(name)' is stored as \(info.dtype); the executor runs "
                             + StorageDType.allCases.map(\.rawValue).joined(separator: ", ") + " weights")
        }
        return info
    }
}

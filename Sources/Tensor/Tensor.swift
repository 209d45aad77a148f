/// A float32 tensor: a shape (row-major, NHWC for images) over a contiguous region of a `TensorStorage`.
///
/// A `Tensor` is a view: copying it is cheap and shares the memory. Kernels never allocate their result;
/// they write into an output tensor the caller owns (from `Tensor(shape:)` or a `TensorArena`), so an
/// executor that plans its buffers once runs every later forward pass without allocating. Kernels never
/// modify their inputs, so the activations a backward pass needs stay available.
public struct Tensor: Sendable {
    public let shape: [Int]
    public let storage: TensorStorage
    /// Where the view starts inside `storage`, in elements.
    public let offset: Int

    /// The number of elements (the product of the dimensions).
    public var count: Int { shape.reduce(1, *) }
    public var rank: Int { shape.count }
    /// The first element. Writing through it changes every view of the same storage.
    public var pointer: UnsafeMutablePointer<Float> { storage.base + offset }

    /// Calls `body` with the elements, keeping the storage alive until it returns (a pointer taken from a
    /// tensor nobody uses afterwards may outlive the storage).
    public func withValues<Result>(_ body: (UnsafeBufferPointer<Float>) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(storage) { try body(UnsafeBufferPointer(start: pointer, count: count)) }
    }

    /// A zero-filled tensor with its own storage.
    public init(shape: [Int]) throws {
        let count = try Tensor.elementCount(shape)
        self.init(unchecked: shape, storage: TensorStorage(capacity: count), offset: 0)
    }

    /// A tensor holding `values` in row-major order.
    public init(shape: [Int], values: [Float]) throws {
        let count = try Tensor.elementCount(shape)
        guard values.count == count else {
            throw TensorError.invalidShape("\(values.count) values do not fill shape \(shape) (\(count) elements)")
        }
        self.init(unchecked: shape, storage: TensorStorage(capacity: count), offset: 0)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }

    /// A view of `shape` at `offset` elements into existing storage (how arenas hand out buffers).
    public init(shape: [Int], storage: TensorStorage, offset: Int) throws {
        let count = try Tensor.elementCount(shape)
        guard offset >= 0, offset + count <= storage.capacity else {
            throw TensorError.invalidShape("view of \(count) elements at offset \(offset) exceeds storage of \(storage.capacity)")
        }
        self.init(unchecked: shape, storage: storage, offset: offset)
    }

    init(unchecked shape: [Int], storage: TensorStorage, offset: Int) {
        self.shape = shape
        self.storage = storage
        self.offset = offset
    }

    /// The same elements under another shape with the same element count (shares storage).
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        guard try Tensor.elementCount(newShape) == count else {
            throw TensorError.shapeMismatch(operation: "reshape", detail: "\(shape) has \(count) elements, \(newShape) does not")
        }
        return Tensor(unchecked: newShape, storage: storage, offset: offset)
    }

    /// Keras `Flatten`: `(N, d1, ..., dk)` to `(N, d1*...*dk)`, row-major, which for NHWC is
    /// `flat[(h*W + w)*C + c]` (docs/keras-numerics.md §4). No copy.
    public func flattened() throws -> Tensor {
        guard rank >= 1 else { throw TensorError.shapeMismatch(operation: "flatten", detail: "a scalar has no batch axis") }
        return try reshaped([shape[0], shape.dropFirst().reduce(1, *)])
    }

    /// The elements in row-major order (copied).
    public func toArray() -> [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Copies `source` (same element count) into this tensor's memory.
    public func copy(from source: Tensor) throws {
        guard source.count == count else {
            throw TensorError.shapeMismatch(operation: "copy", detail: "\(source.shape) into \(shape)")
        }
        pointer.update(from: source.pointer, count: count)
    }

    /// `self += other` (same shape), for summing gradients.
    public func add(_ other: Tensor) throws {
        try other.requireShape(shape, operation: "add", role: "addend")
        combineVectors(pointer, other.pointer, count: count) { $0 + $1 }
    }

    /// The same values in memory of their own.
    public func copied() throws -> Tensor {
        let copy = try Tensor(shape: shape)
        try copy.copy(from: self)
        return copy
    }

    /// Whether the two views share any element (same storage, intersecting ranges).
    public func overlaps(_ other: Tensor) -> Bool {
        storage === other.storage && offset < other.offset + other.count && other.offset < offset + count
    }

    static func elementCount(_ shape: [Int]) throws -> Int {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { throw TensorError.invalidShape("negative dimension in \(shape)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw TensorError.invalidShape("\(shape) overflows the element count") }
            count = product
        }
        return count
    }
}

/// The four dimensions of an NHWC image tensor, read once by the kernels that need them.
struct ImageShape: Equatable {
    var batch: Int, height: Int, width: Int, channels: Int

    init(batch: Int, height: Int, width: Int, channels: Int) {
        self.batch = batch; self.height = height; self.width = width; self.channels = channels
    }

    /// Fails unless `tensor` has rank 4 (NHWC).
    init(_ tensor: Tensor, operation: String) throws {
        guard tensor.rank == 4 else {
            throw TensorError.shapeMismatch(operation: operation, detail: "expected an NHWC tensor of rank 4, got \(tensor.shape)")
        }
        self.init(batch: tensor.shape[0], height: tensor.shape[1], width: tensor.shape[2], channels: tensor.shape[3])
    }

    var dimensions: [Int] { [batch, height, width, channels] }
    var pixels: Int { batch * height * width }

    /// Throws unless `tensor` is NHWC with exactly these dimensions. Compares in place: a forward pass
    /// checks its output on every call and must not allocate doing so.
    func require(_ tensor: Tensor, operation: String, role: String = "output") throws {
        guard tensor.rank == 4, tensor.shape[0] == batch, tensor.shape[1] == height, tensor.shape[2] == width,
              tensor.shape[3] == channels else {
            throw TensorError.shapeMismatch(operation: operation, detail: "\(role) is \(tensor.shape), expected \(dimensions)")
        }
    }

    /// Throws unless a kernel's `output`, and the `residual` its epilogue adds if any, have these dimensions, and neither
    /// the `input` nor the residual shares memory with the output (the kernels read them while writing output tiles).
    func requireOutput(_ output: Tensor, residual: Tensor?, reading input: Tensor, operation: String) throws {
        try require(output, operation: operation)
        try input.requireDistinct(from: output, operation: operation)
        if let residual {
            try require(residual, operation: operation, role: "residual")
            try residual.requireDistinct(from: output, operation: operation, role: "residual")
        }
    }
}

extension Tensor {
    /// Throws if `output` shares memory with `input`: kernels that read their input while writing tiles of
    /// the output cannot run in place.
    func requireDistinct(from output: Tensor, operation: String, role: String = "input") throws {
        guard !overlaps(output) else {
            throw TensorError.invalidArgument(operation: operation, detail: "the output shares memory with the \(role)")
        }
    }

    /// Throws unless this tensor has exactly `expected` as its shape (used to check caller-provided outputs).
    func requireShape(_ expected: [Int], operation: String, role: String = "output") throws {
        guard shape == expected else {
            throw TensorError.shapeMismatch(operation: operation, detail: "\(role) is \(shape), expected \(expected)")
        }
    }
}

/// Scratch memory for kernels (GEMM row tables, im2col row tiles), kept between calls so a
/// forward pass allocates nothing once the largest layer has run. It only grows.
///
/// Not for concurrent use: give each concurrently running forward pass its own workspace.
public final class Workspace: @unchecked Sendable {
    private var memory: UnsafeMutableRawPointer?
    private var capacity = 0
    private var operands: [TensorStorage?] = Array(repeating: nil, count: Operand.allCases.count)

    /// Buffers a kernel builds for the GEMMs it runs, kept from call to call as `reserve`'s memory is (the GEMMs
    /// use that). The weight gradient's took 56 MB per VGG16 block-5 layer: fresh from the system at every
    /// training step, the kernel's zeroing of those pages cost 14% of the step.
    enum Operand: Int, CaseIterable {
        /// The weight gradient's packed right operand, the source of its left one, and its two running sums: for the
        /// im2col GEMM the packed input rows and the transposed output gradient, for Winograd the packed dM and V.
        case packedRows, transposedGradient, sum, otherSum
        /// A separable convolution's depthwise output, the left operand of its pointwise GEMM.
        case separableMiddle
        /// An inverted residual block's expanded map, where the block runs as two steps (`InvertedResidual`).
        case expanded
        /// A kernel turned 180 degrees and its Winograd weights, for a Winograd convolution's input gradient.
        case turnedKernel
        /// A pointwise convolution's kernel with one image's input gate folded into its rows (`Conv2D.forward`'s
        /// `inputScale`).
        case gated
        /// The pooled input of a pointwise convolution that runs after the pool it precedes in the model
        /// (`PooledPointwiseConvolution`).
        case pooled
        /// A GEMM's left operand prepared whole, where the GEMM splits its columns between the workers (`gemm`).
        case preparedRows
    }

    public init() {}

    deinit { memory?.deallocate() }

    /// The bytes currently held (for memory accounting).
    public var byteCount: Int {
        capacity + operands.reduce(0) { $0 + ($1?.capacity ?? 0) * MemoryLayout<Float>.stride }
    }

    /// At least `bytes` of 64-byte aligned, zero-initialised-on-growth memory. Earlier contents are not kept.
    func reserve(bytes: Int) -> UnsafeMutableRawPointer {
        if let memory, capacity >= bytes { return memory }
        memory?.deallocate()
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64)
        fresh.initializeMemory(as: UInt8.self, repeating: 0, count: max(bytes, 64))
        memory = fresh
        capacity = max(bytes, 64)
        return fresh
    }

    /// Storage of at least `count` floats for `operand`, zero-filled when it grows; earlier contents are not kept, so the
    /// caller writes all it reads.
    func storage(for operand: Operand, count: Int) -> TensorStorage {
        if let storage = operands[operand.rawValue], storage.capacity >= count { return storage }
        operands[operand.rawValue] = nil  // released before the larger one is mapped
        let storage = TensorStorage(capacity: count)
        operands[operand.rawValue] = storage
        return storage
    }
}

/// Rounds `value` up to a multiple of `alignment`.
@inline(__always) func roundUp(_ value: Int, to alignment: Int) -> Int { (value + alignment - 1) / alignment * alignment }

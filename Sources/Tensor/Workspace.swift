/// Scratch memory for kernels (GEMM row tables, edge tiles, im2col row tiles), kept between calls so a
/// forward pass allocates nothing once the largest layer has run. It only grows.
///
/// Not for concurrent use: give each concurrently running forward pass its own workspace.
public final class Workspace: @unchecked Sendable {
    private var memory: UnsafeMutableRawPointer?
    private var capacity = 0

    public init() {}

    deinit { memory?.deallocate() }

    /// The bytes currently held (for memory accounting).
    public var byteCount: Int { capacity }

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
}

/// Rounds `value` up to a multiple of `alignment`.
@inline(__always) func roundUp(_ value: Int, to alignment: Int) -> Int { (value + alignment - 1) / alignment * alignment }

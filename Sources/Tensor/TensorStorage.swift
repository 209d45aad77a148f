#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Float32 memory owned by one or more `Tensor` views, zero-filled, so a fresh tensor is deterministic.
///
/// Small buffers come from the allocator, 64-byte aligned so SIMD16 rows start on a cache line. Large ones
/// (weights, big activations) are mapped directly from the kernel: 2 MB aligned and advised onto
/// transparent huge pages (streaming 400 MB of fc1 weights through 4 KB pages spends much of its time on
/// TLB misses), zero without being touched, and returned to the system when released, so packing a layer's
/// weights and dropping the Keras copy does not leave the process holding both.
public final class TensorStorage: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Float>
    public let capacity: Int
    /// The mapped length, or 0 for allocator memory.
    private let mappedBytes: Int

    private static let hugePageBytes = 2 << 20

    public init(capacity: Int) {
        self.capacity = capacity
        let bytes = max(capacity, 1) * MemoryLayout<Float>.stride
        if bytes >= TensorStorage.hugePageBytes, let mapped = TensorStorage.mapAligned(bytes: roundUp(bytes, to: TensorStorage.hugePageBytes)) {
            mappedBytes = roundUp(bytes, to: TensorStorage.hugePageBytes)
            base = mapped.bindMemory(to: Float.self, capacity: max(capacity, 1))
        } else {
            mappedBytes = 0
            base = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64).bindMemory(to: Float.self, capacity: max(capacity, 1))
            base.initialize(repeating: 0, count: max(capacity, 1))
        }
    }

    deinit {
        if mappedBytes > 0 {
            munmap(base, mappedBytes)
        } else {
            base.deallocate()
        }
    }

    /// `bytes` (a multiple of 2 MB) of fresh zero pages at a 2 MB boundary, or nil if the mapping fails.
    private static func mapAligned(bytes: Int) -> UnsafeMutableRawPointer? {
        // Map one extra huge page, then unmap the misaligned head and the unused tail.
        let reserved = bytes + hugePageBytes
        guard let region = mmap(nil, reserved, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              region != MAP_FAILED else { return nil }
        let address = Int(bitPattern: region)
        let aligned = roundUp(address, to: hugePageBytes)
        if aligned > address { munmap(region, aligned - address) }
        let tail = address + reserved - (aligned + bytes)
        if tail > 0 { munmap(UnsafeMutableRawPointer(bitPattern: aligned + bytes), tail) }
        let start = UnsafeMutableRawPointer(bitPattern: aligned)!
        #if os(Linux)
        // Advice only: where THP is off the memory simply stays in 4 KB pages.
        _ = madvise(start, bytes, MADV_HUGEPAGE)
        #endif
        return start
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Float32 memory owned by one or more `Tensor` views, zero-filled, so a fresh tensor is deterministic.
///
/// Small buffers come from the allocator, 64-byte aligned so SIMD16 rows start on a cache line. Larger ones
/// (weights, activations) are mapped directly from the kernel, so releasing one returns it to the system at
/// once: a model's packed weights and the temporary copies made while loading it never share the
/// allocator's heap, where freed copies would stay behind as holes between weights. Mappings of 2 MB and
/// more start on a 2 MB boundary and are advised onto transparent huge pages (streaming 400 MB of fc1
/// weights through 4 KB pages spends much of its time on TLB misses); their last partial 2 MB stays in
/// 4 KB pages, so no tensor occupies more than a page beyond its size.
public final class TensorStorage: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Float>
    public let capacity: Int
    /// The mapped length, or 0 for allocator memory.
    private let mappedBytes: Int

    /// Buffers from this size on are mapped; below it the allocator's reuse is worth more than a system call.
    private static let mappedFromBytes = 64 << 10
    private static let hugePageBytes = 2 << 20
    private static let pageBytes = Int(sysconf(Int32(_SC_PAGESIZE)))

    public init(capacity: Int) {
        self.capacity = capacity
        let bytes = max(capacity, 1) * MemoryLayout<Float>.stride
        let mappedBytes = roundUp(bytes, to: TensorStorage.pageBytes)
        if bytes >= TensorStorage.mappedFromBytes, let mapped = TensorStorage.map(bytes: mappedBytes) {
            self.mappedBytes = mappedBytes
            base = mapped.bindMemory(to: Float.self, capacity: max(capacity, 1))
        } else {
            self.mappedBytes = 0
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

    /// `bytes` (whole pages) of fresh zero pages, at a 2 MB boundary when there is a whole huge page in
    /// them, or nil if the mapping fails.
    private static func map(bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes >= hugePageBytes else {
            let region = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            return region == MAP_FAILED ? nil : region
        }
        // Reserve one huge page more, then unmap the misaligned head and the unused tail.
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

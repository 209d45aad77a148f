/// The activation memory of a planned forward pass: one allocation, with each tensor placed at an offset
/// so that tensors alive at the same time never overlap. An executor describes every intermediate tensor by
/// its element count and the first and last step that use it, builds the arena once, and takes the same
/// views on every pass: inference then allocates nothing, and peak activation memory is the largest set
/// of simultaneously live tensors rather than their sum (which matters for ResNet50's 100+ tensors).
public struct TensorArena: Sendable {
    /// One tensor's needs: `count` elements, used from step `firstUse` through `lastUse` (inclusive).
    public struct Lifetime: Sendable {
        public let count: Int, firstUse: Int, lastUse: Int
        public init(count: Int, firstUse: Int, lastUse: Int) {
            self.count = count; self.firstUse = firstUse; self.lastUse = lastUse
        }
    }

    public let storage: TensorStorage
    /// The element offset of each lifetime's tensor, in the order given.
    public let offsets: [Int]
    private let counts: [Int]

    /// Places the largest tensors first, each at the lowest offset clear of every already placed tensor
    /// whose lifetime overlaps (greedy by size; near optimal for chain-like CNN graphs).
    public init(lifetimes: [Lifetime]) throws {
        for lifetime in lifetimes where lifetime.count < 0 || lifetime.firstUse > lifetime.lastUse {
            throw TensorError.invalidArgument(operation: "arena", detail: "bad lifetime \(lifetime)")
        }
        let alignment = 16  // floats: every tensor starts on a 64-byte line
        var offsets = [Int](repeating: 0, count: lifetimes.count)
        var placed: [Int] = []
        var end = 0
        for index in lifetimes.indices.sorted(by: { lifetimes[$0].count > lifetimes[$1].count }) {
            let lifetime = lifetimes[index]
            let size = roundUp(max(lifetime.count, 1), to: alignment)
            let conflicts = placed
                .filter { lifetimes[$0].firstUse <= lifetime.lastUse && lifetime.firstUse <= lifetimes[$0].lastUse }
                .map { (start: offsets[$0], end: offsets[$0] + roundUp(max(lifetimes[$0].count, 1), to: alignment)) }
                .sorted { $0.start < $1.start }
            var candidate = 0
            for conflict in conflicts where candidate + size > conflict.start {
                candidate = max(candidate, conflict.end)
            }
            offsets[index] = candidate
            placed.append(index)
            end = max(end, candidate + size)
        }
        self.offsets = offsets
        counts = lifetimes.map(\.count)
        storage = TensorStorage(capacity: end)
    }

    /// The view for lifetime `slot`, under `shape` (whose element count must match what was planned).
    public func tensor(_ slot: Int, shape: [Int]) throws -> Tensor {
        guard offsets.indices.contains(slot) else {
            throw TensorError.invalidArgument(operation: "arena", detail: "no slot \(slot) among \(offsets.count)")
        }
        guard try Tensor.elementCount(shape) == counts[slot] else {
            throw TensorError.shapeMismatch(operation: "arena", detail: "slot \(slot) holds \(counts[slot]) elements, not \(shape)")
        }
        return Tensor(unchecked: shape, storage: storage, offset: offsets[slot])
    }

    /// The bytes the arena holds.
    public var byteCount: Int { storage.capacity * MemoryLayout<Float>.stride }
}

import Testing
import Tensor

@Suite struct ArenaTests {
    /// Tensors whose lifetimes overlap must not share memory; tensors that never coexist may.
    @Test func placesOverlappingLifetimesApartAndReusesTheRest() throws {
        // A chain a -> b -> c -> d with a shortcut keeping a alive until d (a ResNet block).
        let lifetimes = [
            TensorArena.Lifetime(count: 1000, firstUse: 0, lastUse: 3),
            TensorArena.Lifetime(count: 500, firstUse: 1, lastUse: 2),
            TensorArena.Lifetime(count: 700, firstUse: 2, lastUse: 3),
            TensorArena.Lifetime(count: 900, firstUse: 3, lastUse: 4),
            TensorArena.Lifetime(count: 400, firstUse: 5, lastUse: 6),
        ]
        let arena = try TensorArena(lifetimes: lifetimes)
        for i in lifetimes.indices {
            for j in lifetimes.indices where i < j {
                let overlapInTime = lifetimes[i].firstUse <= lifetimes[j].lastUse && lifetimes[j].firstUse <= lifetimes[i].lastUse
                let overlapInMemory = arena.offsets[i] < arena.offsets[j] + lifetimes[j].count
                    && arena.offsets[j] < arena.offsets[i] + lifetimes[i].count
                #expect(!(overlapInTime && overlapInMemory), "tensors \(i) and \(j) are live together and share memory")
            }
        }
        let total = lifetimes.reduce(0) { $0 + $1.count }
        #expect(arena.byteCount < total * 4, "no reuse: \(arena.byteCount) bytes for \(total) floats")
        #expect(try arena.tensor(1, shape: [1, 10, 10, 5]).count == 500)
        #expect(throws: TensorError.self) { try arena.tensor(1, shape: [1, 10, 10, 6]) }
        #expect(throws: TensorError.self) { try arena.tensor(9, shape: [1]) }
    }
}

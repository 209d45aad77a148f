/// A small, fast, seedable random generator (SplitMix64), so that a run can be repeated exactly.
/// Streams for independent purposes (an epoch's shuffle, one image's augmentation) are derived
/// from the seed and a purpose-specific key, so they do not depend on which thread asks first.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// A generator for one purpose, e.g. `SeededGenerator(seed: 2019, stream: [epoch, index])`.
    public init(seed: UInt64, stream keys: [UInt64]) {
        var mixed = SeededGenerator(seed: seed)
        for key in keys { mixed = SeededGenerator(seed: mixed.next() ^ key) }
        state = mixed.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits (written out rather than `Double.random(in:)`, whose
    /// algorithm the standard library does not promise to keep).
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in [low, high), as numpy's `uniform(low, high)`.
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * unit()
    }

    /// A uniform integer in 0..<bound, without modulo bias.
    public mutating func index(below bound: Int) -> Int {
        Int(next(upperBound: UInt64(bound)))
    }

    /// Fisher-Yates shuffle driven by this generator only.
    public mutating func shuffle<Element>(_ elements: inout [Element]) {
        guard elements.count > 1 else { return }
        for last in stride(from: elements.count - 1, to: 0, by: -1) {
            elements.swapAt(last, index(below: last + 1))
        }
    }
}

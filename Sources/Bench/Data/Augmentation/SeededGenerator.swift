import Tensor

/// A small, fast, seedable random generator (Tensor's `SplitMix64`), so that a run can be repeated exactly.
/// Streams for independent purposes (an epoch's shuffle, one image's augmentation) are derived
/// from the seed and a purpose-specific key, so they do not depend on which thread asks first.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var source: SplitMix64

    public init(seed: UInt64) {
        source = SplitMix64(seed: seed)
    }

    /// A generator for one purpose, e.g. `SeededGenerator(seed: 2019, stream: [epoch, index])`.
    public init(seed: UInt64, stream keys: [UInt64]) {
        var mixed = SeededGenerator(seed: seed)
        for key in keys { mixed = SeededGenerator(seed: mixed.next() ^ key) }
        source = SplitMix64(seed: mixed.next())
    }

    public mutating func next() -> UInt64 { source.next() }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { source.unitDouble() }

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

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014): the one stream
/// behind everything seeded in Zoo (dropout masks here, initialisers in Training, shuffles and augmentation in
/// Bench), so a seed repeats a run exactly on any machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform float32 in [0, 1) from the top 24 bits: every value on the 2^-24 grid, none rounded up to 1.
    public mutating func unitFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform double in [0, 1) from the top 53 bits (written out rather than `Double.random(in:)`, whose
    /// algorithm the standard library does not promise to keep).
    public mutating func unitDouble() -> Double { Double(next() >> 11) * 0x1p-53 }
}

import Testing
@testable import Converter

// The bit-level conversions against Swift's own Float16 (compiler-rt's IEEE conversions) as an
// independent reference, exhaustively where the domain is small.

@Test func everyHalfWidensExactly() {
    for bits in UInt16.min...UInt16.max {
        let reference = Float(Float16(bitPattern: bits))
        let widened = Float(bitPattern: floatBits(fromHalfBits: bits))
        if reference.isNaN {
            #expect(widened.isNaN && widened.sign == reference.sign, "0x\(String(bits, radix: 16))")
        } else {
            #expect(widened.bitPattern == reference.bitPattern, "0x\(String(bits, radix: 16))")
        }
    }
}

@Test func everyHalfSurvivesTheRoundTrip() {
    for bits in UInt16.min...UInt16.max {
        let narrowed = halfBits(fromFloatBits: floatBits(fromHalfBits: bits))
        let isNaN = bits & 0x7C00 == 0x7C00 && bits & 0x03FF != 0
        // A NaN comes back quieted (bit 9 set) with its sign and payload.
        #expect(narrowed == (isNaN ? bits | 0x0200 : bits), "0x\(String(bits, radix: 16))")
    }
}

/// Every float32 exponent, with mantissas that hit ties, just-above and just-below ties, and
/// random bits in between, against `Float16(Float)`.
@Test func narrowingToHalfRoundsToNearestEven() {
    var random = SplitMix64(state: 7)
    for exponent in UInt32(0)...255 {
        var mantissas: [UInt32] = [0, 1, 0x1000, 0x0FFF, 0x1001, 0x2000, 0x3000, 0x7F_FFFF, 0x40_0000]
        mantissas += (0..<64).map { _ in UInt32.random(in: 0...0x7F_FFFF, using: &random) }
        for mantissa in mantissas {
            for sign in [UInt32(0), 0x8000_0000] {
                let value = Float(bitPattern: sign | exponent << 23 | mantissa)
                let reference = Float16(value)
                let narrowed = halfBits(fromFloatBits: value.bitPattern)
                if value.isNaN {
                    #expect(narrowed & 0x7E00 == 0x7E00 && narrowed & 0x8000 == UInt16(sign >> 16))
                } else {
                    #expect(narrowed == reference.bitPattern, "\(value) 0x\(String(value.bitPattern, radix: 16))")
                }
            }
        }
    }
}

@Test func narrowingToBFloat16() {
    let cases: [(UInt32, UInt16)] = [
        (0x3F80_0000, 0x3F80), (0x3F80_8000, 0x3F80), (0x3F81_8000, 0x3F82),  // exact, ties to even
        (0x3F80_8001, 0x3F81), (0x3F80_7FFF, 0x3F80),                         // just above, below a tie
        (0x7F7F_FFFF, 0x7F80), (0xFF7F_FFFF, 0xFF80),                         // max float rounds to ±inf
        (0x7F80_0000, 0x7F80), (0x8000_0000, 0x8000), (0x0000_0001, 0x0000),  // inf, -0, tiny
        (0x7FC0_0000, 0x7FC0), (0xFFC0_0000, 0xFFC0),                         // NaN keeps its sign
        (0x7F80_0001, 0x7FC0), (0x7FFF_FFFF, 0x7FFF),                         // NaN never becomes inf
    ]
    for (input, expected) in cases {
        #expect(bfloat16Bits(fromFloatBits: input) == expected, "0x\(String(input, radix: 16))")
    }
}

@Test func bufferConversionsMatchTheScalarOnes() {
    var random = SplitMix64(state: 11)
    // An odd length, so any vector loop's scalar tail runs too.
    let values = (0..<1_003).map { _ in Float(bitPattern: UInt32.random(in: .min ... .max, using: &random)) }
    var half = [UInt16](repeating: 0, count: values.count)
    var brain = [UInt16](repeating: 0, count: values.count)
    values.withUnsafeBufferPointer { source in
        half.withUnsafeMutableBufferPointer { convertToHalf(source, into: $0) }
        brain.withUnsafeMutableBufferPointer { convertToBFloat16(source, into: $0) }
    }
    #expect(half == values.map { halfBits(fromFloatBits: $0.bitPattern) })
    #expect(brain == values.map { bfloat16Bits(fromFloatBits: $0.bitPattern) })
    var widened = [Float](repeating: 0, count: values.count)
    half.withUnsafeBytes { source in widened.withUnsafeMutableBufferPointer { widenHalf(source, into: $0) } }
    #expect(widened.map(\.bitPattern) == half.map { floatBits(fromHalfBits: $0) })
    brain.withUnsafeBytes { source in widened.withUnsafeMutableBufferPointer { widenBFloat16(source, into: $0) } }
    #expect(widened.map(\.bitPattern) == brain.map { UInt32($0) << 16 })
}

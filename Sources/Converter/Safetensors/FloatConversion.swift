// Conversions between float32 and the 16-bit storage formats, done on bit patterns.
//
// Swift's `Float16` would be the obvious tool, but on x86-64 without F16C (the default target)
// each conversion is a call into compiler-rt, which does not vectorize. The functions below are
// branch-free (every case is computed and the right one selected), so the loops over buffers
// compile to SIMD code. All of them assume a little-endian host, checked here once.

#if !_endian(little)
#error("safetensors data is little-endian; the converter writes host-order bytes and needs a little-endian host")
#endif

/// float32 -> IEEE binary16, rounding to nearest even: overflow gives ±inf, tiny values become
/// subnormals or ±0, NaN stays NaN (quieted, sign and top payload bits kept, as F16C does).
/// After F. Giesen's `float_to_half_fast3_rtne`.
@inline(__always)
func halfBits(fromFloatBits bits: UInt32) -> UInt16 {
    let sign = bits & 0x8000_0000
    let magnitude = bits ^ sign
    // Normal results: rebias the exponent from 127 to 15 (the wrapping add of 0xC800_0000 is
    // -112 << 23), then add just under half an ulp plus the kept mantissa's low bit, which
    // rounds half to even once the low 13 bits are shifted out. A carry into the exponent is
    // the correct result, up to and including overflow to inf (0x7C00).
    let keptOdd = (magnitude >> 13) & 1
    let normal = (magnitude &+ 0xC800_0FFF &+ keptOdd) >> 13
    // Subnormal results: adding 0.5 lines the 10 mantissa bits up at the bottom of the float, and
    // the FPU's own round-to-nearest-even does the rounding; subtracting 0.5's bits leaves them.
    let denormMagic: Float = 0.5
    let subnormal = (Float(bitPattern: magnitude) + denormMagic).bitPattern &- denormMagic.bitPattern
    let nan = 0x7E00 | ((magnitude >> 13) & 0x03FF)
    let special = magnitude > 0x7F80_0000 ? nan : 0x7C00
    var result = magnitude < 0x3880_0000 ? subnormal : normal  // below 2^-14, the least normal half
    result = magnitude >= 0x4780_0000 ? special : result       // 2^16 and up, inf and NaN: no finite half
    return UInt16(truncatingIfNeeded: result | (sign >> 16))
}

/// float32 -> bfloat16: the upper 16 bits, rounded to nearest even; NaN stays NaN (quieted, so
/// a signalling NaN whose payload sits in the dropped bits does not turn into inf).
@inline(__always)
func bfloat16Bits(fromFloatBits bits: UInt32) -> UInt16 {
    let rounded = (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16
    let nan = (bits >> 16) | 0x0040
    let isNaN = (bits & 0x7FFF_FFFF) > 0x7F80_0000
    return UInt16(truncatingIfNeeded: isNaN ? nan : rounded)
}

/// IEEE binary16 -> float32, exact. After F. Giesen's `half_to_float`.
@inline(__always)
func floatBits(fromHalfBits half: UInt16) -> UInt32 {
    let h = UInt32(half)
    let shifted = (h & 0x7FFF) << 13
    let exponent = shifted & 0x0F80_0000
    let rebiased = shifted &+ 0x3800_0000                      // exponent 15 -> 127
    let infOrNaN = rebiased &+ 0x3800_0000                     // all-ones exponent stays all ones
    // Subnormal halves: give them exponent 2^-14, then subtract 2^-14 so the FPU normalizes.
    let subnormalMagic = Float(bitPattern: 0x3880_0000)
    let subnormal = (Float(bitPattern: rebiased &+ 0x0080_0000) - subnormalMagic).bitPattern
    var result = exponent == 0x0F80_0000 ? infOrNaN : rebiased
    result = exponent == 0 ? subnormal : result
    return result | ((h & 0x8000) << 16)
}

package func convertToHalf(_ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutableBufferPointer<UInt16>) {
    precondition(destination.count >= source.count)
    for i in 0..<source.count {
        destination[i] = halfBits(fromFloatBits: source[i].bitPattern)
    }
}

package func convertToBFloat16(_ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutableBufferPointer<UInt16>) {
    precondition(destination.count >= source.count)
    for i in 0..<source.count {
        destination[i] = bfloat16Bits(fromFloatBits: source[i].bitPattern)
    }
}

// The widening loops read with `loadUnaligned`: a tensor's bytes are only as aligned as the
// tensors before it in the file leave them (an odd-length U8 tensor shifts everything after it).

func widenHalf(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>) {
    precondition(source.count >= destination.count * 2)
    for i in 0..<destination.count {
        let half = source.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)
        destination[i] = Float(bitPattern: floatBits(fromHalfBits: half))
    }
}

func widenBFloat16(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>) {
    precondition(source.count >= destination.count * 2)
    for i in 0..<destination.count {
        let bits = source.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)
        destination[i] = Float(bitPattern: UInt32(bits) << 16)
    }
}

/// `output[i] = combine(x[i], y[i])` 16 lanes at a time, then the tail. `output` may be `x` or `y`: the
/// element-wise core of pooling, tensor sums, dropout and the activations' backward passes.
@inline(__always)
func combineVectors(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, count: Int,
                    _ combine: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>) {
    var i = 0
    while i &+ 16 <= count {
        store16(combine(load16(x + i), load16(y + i)), output + i)
        i &+= 16
    }
    while i < count {
        output[i] = combine(SIMD16(repeating: x[i]), SIMD16(repeating: y[i]))[0]
        i &+= 1
    }
}

/// `accumulator[i] = combine(accumulator[i], values[i])`.
@inline(__always)
func combineVectors(_ accumulator: UnsafeMutablePointer<Float>, _ values: UnsafePointer<Float>, count: Int,
                    _ combine: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>) {
    combineVectors(accumulator, values, into: accumulator, count: count, combine)
}

/// `accumulator[i] = combine(accumulator[i], 0)`: a zero padding pixel, with no memory to read it from.
@inline(__always)
func combineWithZero(_ accumulator: UnsafeMutablePointer<Float>, count: Int, _ combine: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>) {
    var i = 0
    while i &+ 16 <= count {
        store16(combine(load16(accumulator + i), .zero), accumulator + i)
        i &+= 16
    }
    while i < count {
        accumulator[i] = combine(SIMD16(repeating: accumulator[i]), .zero)[0]
        i &+= 1
    }
}

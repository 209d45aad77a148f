/// The register tile of the GEMM: `GemmTile.rows` x `GemmTile.columns` (6 x 32) outputs held in twelve
/// `SIMD16<Float>` accumulators while the depth loop runs. Per depth step it loads two 16-float vectors of
/// the packed B panel and broadcasts one element of each A row, then issues 12 fused multiply-adds: with
/// AVX-512 this keeps both FMA pipes busy while staying inside the 32 vector registers (no spills).
/// Written out by hand because Swift cannot index a tuple of accumulators in a loop that stays in registers.
///
/// - Parameters:
///   - depth: steps of the reduction (k) in this call.
///   - rows: `GemmTile.rows` pointers, each to `depth` consecutive floats of one A row.
///   - panel: the packed B panel, `depth` rows of `GemmTile.columns` floats.
///   - output: the top-left output element; rows are `outputStride` floats apart.
///   - accumulate: add to `output` (later depth blocks) instead of overwriting it (the first block).
@inline(never)
func multiplyTile(depth: Int, rows: UnsafePointer<UnsafePointer<Float>>, panel: UnsafePointer<Float>,
                  output: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool) {
    let a0 = rows[0]
    let a1 = rows[1]
    let a2 = rows[2]
    let a3 = rows[3]
    let a4 = rows[4]
    let a5 = rows[5]
    let out0 = output
    let out1 = output + 1 &* outputStride
    let out2 = output + 2 &* outputStride
    let out3 = output + 3 &* outputStride
    let out4 = output + 4 &* outputStride
    let out5 = output + 5 &* outputStride
    var c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51: SIMD16<Float>
    if accumulate {
        c00 = load16(out0); c01 = load16(out0 + 16)
        c10 = load16(out1); c11 = load16(out1 + 16)
        c20 = load16(out2); c21 = load16(out2 + 16)
        c30 = load16(out3); c31 = load16(out3 + 16)
        c40 = load16(out4); c41 = load16(out4 + 16)
        c50 = load16(out5); c51 = load16(out5 + 16)
    } else {
        c00 = .zero; c01 = .zero
        c10 = .zero; c11 = .zero
        c20 = .zero; c21 = .zero
        c30 = .zero; c31 = .zero
        c40 = .zero; c41 = .zero
        c50 = .zero; c51 = .zero
    }
    var b = panel
    for k in 0..<depth {
        let b0 = load16(b), b1 = load16(b + 16)
        let s0 = SIMD16<Float>(repeating: a0[k]); c00.addProduct(s0, b0); c01.addProduct(s0, b1)
        let s1 = SIMD16<Float>(repeating: a1[k]); c10.addProduct(s1, b0); c11.addProduct(s1, b1)
        let s2 = SIMD16<Float>(repeating: a2[k]); c20.addProduct(s2, b0); c21.addProduct(s2, b1)
        let s3 = SIMD16<Float>(repeating: a3[k]); c30.addProduct(s3, b0); c31.addProduct(s3, b1)
        let s4 = SIMD16<Float>(repeating: a4[k]); c40.addProduct(s4, b0); c41.addProduct(s4, b1)
        let s5 = SIMD16<Float>(repeating: a5[k]); c50.addProduct(s5, b0); c51.addProduct(s5, b1)
        b += GemmTile.columns
    }
    store16(c00, out0); store16(c01, out0 + 16)
    store16(c10, out1); store16(c11, out1 + 16)
    store16(c20, out2); store16(c21, out2 + 16)
    store16(c30, out3); store16(c31, out3 + 16)
    store16(c40, out4); store16(c41, out4 + 16)
    store16(c50, out5); store16(c51, out5 + 16)
}

@inline(__always) func load16(_ pointer: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always) func load16(_ pointer: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always) func store16(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD16<Float>.self)
}

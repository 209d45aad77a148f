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
///   - finish: after the last depth block, the bias, residual and ReLU to apply in registers before the
///     only store (saves a pass over the tile); nil otherwise.
@inline(never)
func multiplyTile(depth: Int, rows: UnsafePointer<UnsafePointer<Float>>, panel: UnsafePointer<Float>,
                  output: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool, finish: TileFinish? = nil) {
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
    if let finish {
        if let bias = finish.bias {
            let bias0 = load16(bias), bias1 = load16(bias + 16)
            c00 += bias0; c01 += bias1
            c10 += bias0; c11 += bias1
            c20 += bias0; c21 += bias1
            c30 += bias0; c31 += bias1
            c40 += bias0; c41 += bias1
            c50 += bias0; c51 += bias1
        }
        if let residual = finish.residual {
            let residual0 = residual; c00 += load16(residual0); c01 += load16(residual0 + 16)
            let residual1 = residual + 1 &* finish.residualStride; c10 += load16(residual1); c11 += load16(residual1 + 16)
            let residual2 = residual + 2 &* finish.residualStride; c20 += load16(residual2); c21 += load16(residual2 + 16)
            let residual3 = residual + 3 &* finish.residualStride; c30 += load16(residual3); c31 += load16(residual3 + 16)
            let residual4 = residual + 4 &* finish.residualStride; c40 += load16(residual4); c41 += load16(residual4 + 16)
            let residual5 = residual + 5 &* finish.residualStride; c50 += load16(residual5); c51 += load16(residual5 + 16)
        }
        if finish.rectify {
            c00 = c00.replacing(with: 0, where: c00 .< 0); c01 = c01.replacing(with: 0, where: c01 .< 0)
            c10 = c10.replacing(with: 0, where: c10 .< 0); c11 = c11.replacing(with: 0, where: c11 .< 0)
            c20 = c20.replacing(with: 0, where: c20 .< 0); c21 = c21.replacing(with: 0, where: c21 .< 0)
            c30 = c30.replacing(with: 0, where: c30 .< 0); c31 = c31.replacing(with: 0, where: c31 .< 0)
            c40 = c40.replacing(with: 0, where: c40 .< 0); c41 = c41.replacing(with: 0, where: c41 .< 0)
            c50 = c50.replacing(with: 0, where: c50 .< 0); c51 = c51.replacing(with: 0, where: c51 .< 0)
        }
    }
    store16(c00, out0); store16(c01, out0 + 16)
    store16(c10, out1); store16(c11, out1 + 16)
    store16(c20, out2); store16(c21, out2 + 16)
    store16(c30, out3); store16(c31, out3 + 16)
    store16(c40, out4); store16(c41, out4 + 16)
    store16(c50, out5); store16(c51, out5 + 16)
}

/// The epilogue of a full register tile, applied by `multiplyTile` in registers: bias, residual, then ReLU.
struct TileFinish {
    /// The bias of the tile's first column, or nil.
    var bias: UnsafePointer<Float>?
    /// The residual element at the tile's top-left, or nil; rows `residualStride` floats apart.
    var residual: UnsafePointer<Float>?
    var residualStride: Int
    /// Apply ReLU (the activation of nearly every convolution here).
    var rectify: Bool
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

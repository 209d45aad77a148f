/// The register tile of the GEMM: `GemmTile.rows` x `GemmTile.columns` (6 x 32) outputs held in twelve
/// accumulators while the depth loop runs. Per depth step it loads two vectors of the packed B panel and
/// broadcasts one element of each A row, then issues 12 fused multiply-adds. With AVX-512 the accumulators are
/// `SIMD16<Float>`, which keeps both FMA pipes busy inside the 32 vector registers; with AVX2 only the tile is
/// two 6 x 16 halves of `SIMD8<Float>` accumulators, which fit its 16 registers (`VectorWidth`).
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
func multiplyTile(depth: Int, rows: UnsafePointer<UnsafePointer<Float>>, panel: UnsafePointer<Float>,
                  output: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool, finish: TileFinish? = nil) {
    if VectorWidth.hasAVX512 {
        multiplyWideTile(depth: depth, rows: rows, panel: panel, output: output, outputStride: outputStride,
                         accumulate: accumulate, finish: finish)
    } else {
        for half in [0, 16] {
            multiplyHalfTile(depth: depth, rows: rows, panel: panel + half, output: output + half, outputStride: outputStride,
                             accumulate: accumulate, finish: finish.map { $0.shifted(by: half) })
        }
    }
}

/// The whole 6 x 32 tile in twelve `SIMD16` accumulators (AVX-512).
@inline(never)
private func multiplyWideTile(depth: Int, rows: UnsafePointer<UnsafePointer<Float>>, panel: UnsafePointer<Float>,
                              output: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool, finish: TileFinish?) {
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

/// Columns `0..<16` of a 6 x 32 tile (offset `panel`, `output` and `finish` for the other half) in twelve
/// `SIMD8` accumulators: AVX2's register file holds them with the two panel vectors and the broadcast.
@inline(never)
private func multiplyHalfTile(depth: Int, rows: UnsafePointer<UnsafePointer<Float>>, panel: UnsafePointer<Float>,
                              output: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool, finish: TileFinish?) {
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
    var c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51: SIMD8<Float>
    if accumulate {
        c00 = load8(out0); c01 = load8(out0 + 8)
        c10 = load8(out1); c11 = load8(out1 + 8)
        c20 = load8(out2); c21 = load8(out2 + 8)
        c30 = load8(out3); c31 = load8(out3 + 8)
        c40 = load8(out4); c41 = load8(out4 + 8)
        c50 = load8(out5); c51 = load8(out5 + 8)
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
        let b0 = load8(b), b1 = load8(b + 8)
        let s0 = SIMD8<Float>(repeating: a0[k]); c00.addProduct(s0, b0); c01.addProduct(s0, b1)
        let s1 = SIMD8<Float>(repeating: a1[k]); c10.addProduct(s1, b0); c11.addProduct(s1, b1)
        let s2 = SIMD8<Float>(repeating: a2[k]); c20.addProduct(s2, b0); c21.addProduct(s2, b1)
        let s3 = SIMD8<Float>(repeating: a3[k]); c30.addProduct(s3, b0); c31.addProduct(s3, b1)
        let s4 = SIMD8<Float>(repeating: a4[k]); c40.addProduct(s4, b0); c41.addProduct(s4, b1)
        let s5 = SIMD8<Float>(repeating: a5[k]); c50.addProduct(s5, b0); c51.addProduct(s5, b1)
        b += GemmTile.columns
    }
    if let finish {
        if let bias = finish.bias {
            let bias0 = load8(bias), bias1 = load8(bias + 8)
            c00 += bias0; c01 += bias1
            c10 += bias0; c11 += bias1
            c20 += bias0; c21 += bias1
            c30 += bias0; c31 += bias1
            c40 += bias0; c41 += bias1
            c50 += bias0; c51 += bias1
        }
        if let residual = finish.residual {
            let residual0 = residual; c00 += load8(residual0); c01 += load8(residual0 + 8)
            let residual1 = residual + 1 &* finish.residualStride; c10 += load8(residual1); c11 += load8(residual1 + 8)
            let residual2 = residual + 2 &* finish.residualStride; c20 += load8(residual2); c21 += load8(residual2 + 8)
            let residual3 = residual + 3 &* finish.residualStride; c30 += load8(residual3); c31 += load8(residual3 + 8)
            let residual4 = residual + 4 &* finish.residualStride; c40 += load8(residual4); c41 += load8(residual4 + 8)
            let residual5 = residual + 5 &* finish.residualStride; c50 += load8(residual5); c51 += load8(residual5 + 8)
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
    store8(c00, out0); store8(c01, out0 + 8)
    store8(c10, out1); store8(c11, out1 + 8)
    store8(c20, out2); store8(c21, out2 + 8)
    store8(c30, out3); store8(c31, out3 + 8)
    store8(c40, out4); store8(c41, out4 + 8)
    store8(c50, out5); store8(c51, out5 + 8)
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

    /// The same epilogue for the columns `offset` to the right.
    func shifted(by offset: Int) -> TileFinish {
        TileFinish(bias: bias.map { $0 + offset }, residual: residual.map { $0 + offset }, residualStride: residualStride, rectify: rectify)
    }
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

@inline(__always) func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) func load8(_ pointer: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
}

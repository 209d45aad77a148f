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
        multiplyHalfTile(depth: depth, rows: rows, panel: panel, output: output, outputStride: outputStride,
                         accumulate: accumulate, finish: finish)
        multiplyHalfTile(depth: depth, rows: rows, panel: panel + 16, output: output + 16, outputStride: outputStride,
                         accumulate: accumulate, finish: finish?.shifted(by: 16))
    }
}

/// The whole 6 x 32 tile in twelve `SIMD16` accumulators (AVX-512).
@inline(never)
private func multiplyWideTile(depth: Int, rows: UnsafePointer<UnsafePointer<Float>>, panel: UnsafePointer<Float>,
                              output: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool, finish: TileFinish?) {
    multiplyTile(SIMD16<Float>.self, depth: depth, rows: rows, panel: panel, output: output, outputStride: outputStride,
                 accumulate: accumulate, finish: finish)
}

/// Columns `0..<16` of a 6 x 32 tile (offset `panel`, `output` and `finish` for the other half) in twelve
/// `SIMD8` accumulators: AVX2's register file holds them with the two panel vectors and the broadcast.
@inline(never)
private func multiplyHalfTile(depth: Int, rows: UnsafePointer<UnsafePointer<Float>>, panel: UnsafePointer<Float>,
                              output: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool, finish: TileFinish?) {
    multiplyTile(SIMD8<Float>.self, depth: depth, rows: rows, panel: panel, output: output, outputStride: outputStride,
                 accumulate: accumulate, finish: finish)
}

/// 6 rows x two vectors of `V` columns, inlined into each width's entry point so each is specialised with its
/// accumulators in registers.
@inline(__always)
private func multiplyTile<V: SIMD>(_: V.Type, depth: Int, rows: UnsafePointer<UnsafePointer<Float>>, panel: UnsafePointer<Float>,
                                   output: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool,
                                   finish: TileFinish?) where V.Scalar == Float {
    let w = V.scalarCount
    @inline(__always) func load(_ pointer: UnsafePointer<Float>) -> V { UnsafeRawPointer(pointer).loadUnaligned(as: V.self) }
    @inline(__always) func load(_ pointer: UnsafeMutablePointer<Float>) -> V { UnsafeRawPointer(pointer).loadUnaligned(as: V.self) }
    @inline(__always) func store(_ value: V, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: V.self)
    }
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
    var c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51: V
    if accumulate {
        c00 = load(out0); c01 = load(out0 + w)
        c10 = load(out1); c11 = load(out1 + w)
        c20 = load(out2); c21 = load(out2 + w)
        c30 = load(out3); c31 = load(out3 + w)
        c40 = load(out4); c41 = load(out4 + w)
        c50 = load(out5); c51 = load(out5 + w)
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
        let b0 = load(b), b1 = load(b + w)
        let s0 = V(repeating: a0[k]); c00.addProduct(s0, b0); c01.addProduct(s0, b1)
        let s1 = V(repeating: a1[k]); c10.addProduct(s1, b0); c11.addProduct(s1, b1)
        let s2 = V(repeating: a2[k]); c20.addProduct(s2, b0); c21.addProduct(s2, b1)
        let s3 = V(repeating: a3[k]); c30.addProduct(s3, b0); c31.addProduct(s3, b1)
        let s4 = V(repeating: a4[k]); c40.addProduct(s4, b0); c41.addProduct(s4, b1)
        let s5 = V(repeating: a5[k]); c50.addProduct(s5, b0); c51.addProduct(s5, b1)
        b += GemmTile.columns
    }
    if let finish {
        if let bias = finish.bias {
            let bias0 = load(bias), bias1 = load(bias + w)
            c00 += bias0; c01 += bias1
            c10 += bias0; c11 += bias1
            c20 += bias0; c21 += bias1
            c30 += bias0; c31 += bias1
            c40 += bias0; c41 += bias1
            c50 += bias0; c51 += bias1
        }
        if let residual = finish.residual {
            let residual0 = residual; c00 += load(residual0); c01 += load(residual0 + w)
            let residual1 = residual + 1 &* finish.residualStride; c10 += load(residual1); c11 += load(residual1 + w)
            let residual2 = residual + 2 &* finish.residualStride; c20 += load(residual2); c21 += load(residual2 + w)
            let residual3 = residual + 3 &* finish.residualStride; c30 += load(residual3); c31 += load(residual3 + w)
            let residual4 = residual + 4 &* finish.residualStride; c40 += load(residual4); c41 += load(residual4 + w)
            let residual5 = residual + 5 &* finish.residualStride; c50 += load(residual5); c51 += load(residual5 + w)
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
    store(c00, out0); store(c01, out0 + w)
    store(c10, out1); store(c11, out1 + w)
    store(c20, out2); store(c21, out2 + w)
    store(c30, out3); store(c31, out3 + w)
    store(c40, out4); store(c41, out4 + w)
    store(c50, out5); store(c51, out5 + w)
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


internal import CKernels

/// The backward pass of a 3x3 stride-1 convolution by Winograd F(2x2, 3x3), for the layers whose forward runs by
/// Winograd (WinogradConvolution.swift). Both gradients take 2.25x fewer multiplications than the im2col GEMM:
///
/// - The input gradient of a stride-1 convolution is itself a stride-1 convolution: of dz, with the kernel turned 180
///   degrees and its channel axes swapped, over the transposed window (`WindowGeometry.transposedUnitStride`). The
///   forward's own Winograd path computes it.
/// - The kernel gradient runs the forward's algebra backwards. Per tile the forward multiplies `M = U ⊙ V` and outputs
///   `Y = At M A`, so the gradient reaching M is `dM = A dY At` (`zoo_winograd_gradient_tile`), and `dU[xi] = Σ_tiles V[xi]^T dM[xi]`: 16 GEMMs,
///   (in x tiles) x (tiles x out). Since `U = G g Gt`, `dg = Gt dU G`.
///
/// The transforms only add, subtract and halve, as in the forward; docs/keras-numerics.md §9 gives the measured errors.
extension WinogradF2x3 {
    /// dL/dx `(N, H, W, in)` from dz `(N, outH, outW, out)` and the HWIO `(3, 3, in, out)` kernel `g`, overwriting
    /// `inputGradient`. `image` is the input's shape and `geometry` the forward's (stride 1, no dilation).
    static func inputGradient(outputGradient: UnsafePointer<Float>, kernel g: UnsafePointer<Float>, image: ImageShape,
                              geometry: WindowGeometry, outputChannels: Int, into inputGradient: UnsafeMutablePointer<Float>,
                              workspace: Workspace) {
        let inputs = image.channels, outputs = outputChannels, pairs = inputs * outputs
        let transformedFloats = 16 * PackedMatrix.count(rows: outputs, columns: inputs)
        let storage = workspace.storage(for: .turnedKernel, count: transformedFloats + 9 * pairs)
        // The turned kernel, HWIO (3, 3, out, in): its tap (i, j) from output channel o to input channel c is g's tap
        // (2 - i, 2 - j) from c to o. Each tap's (in, out) matrix is transposed whole first, so the transform reads rows
        // instead of walking down g's columns.
        let turnedKernel = storage.base + transformedFloats
        for tap in 0..<9 {
            zoo_transpose(g + (8 - tap) * pairs, Int64(outputs), Int64(inputs), Int64(outputs), turnedKernel + tap * pairs, Int64(inputs))
        }
        let turned = transformWeights(turnedKernel, inputs: outputs, outputs: inputs, outputScale: nil, into: storage)
        let gradientImage = ImageShape(batch: image.batch, height: geometry.rows.output, width: geometry.columns.output,
                                       channels: outputs)
        forward(input: outputGradient, image: gradientImage, geometry: geometry.transposedUnitStride, weights: turned,
                output: inputGradient, epilogue: GemmEpilogue(), workspace: workspace)
    }

    /// dL/dW, HWIO `(3, 3, in, out)`, from the forward's `input` (shaped `image`) and dz, overwriting `kernelGradient`.
    static func kernelGradient(input: UnsafePointer<Float>, image: ImageShape, geometry: WindowGeometry,
                               outputGradient: UnsafePointer<Float>, outputChannels: Int,
                               into kernelGradient: UnsafeMutablePointer<Float>, workspace: Workspace) {
        let inputs = image.channels, outputs = outputChannels, pairs = inputs * outputs
        let outputHeight = geometry.rows.output, outputWidth = geometry.columns.output
        let tileRows = (outputHeight + 1) / 2, tileColumns = (outputWidth + 1) / 2
        let tiles = image.batch * tileRows * tileColumns
        // Tiles per chunk: the 16 positions' V (tiles x in) and packed dM (tiles x out) in about 32 MB, in whole depth
        // blocks of the GEMMs; the chunks' products accumulate through the epilogue's residual, as in WeightGradientGEMM.
        let perTile = 16 * (inputs + roundUp(outputs, to: GemmTile.columns))
        let chunk = min(tiles, max(GemmTile.maxDepth, (8 << 20) / perTile / GemmTile.maxDepth * GemmTile.maxDepth))
        let vStorage = workspace.storage(for: .transposedGradient, count: 16 * chunk * inputs)
        let mStorage = workspace.storage(for: .packedRows, count: 16 * PackedMatrix.count(rows: chunk, columns: outputs))
        var sums = ChunkSums(count: 16 * pairs, workspace: workspace)
        defer { withExtendedLifetime((vStorage, mStorage)) {} }
        let v = SendablePointer(vStorage.base), source = SendablePointer(UnsafeMutablePointer(mutating: input))
        let dz = SendablePointer(UnsafeMutablePointer(mutating: outputGradient))
        let workers = Parallelism.workers
        for first in stride(from: 0, to: tiles, by: chunk) {
            let count = min(chunk, tiles - first)
            let positionFloats = PackedMatrix.count(rows: count, columns: outputs)
            let dM = (0..<16).map { PackedMatrix(rows: count, columns: outputs, storage: mStorage, offset: $0 * positionFloats) }
            let tasks = min(count, 4 * workers), perTask = (count + tasks - 1) / tasks
            runTasks(tasks, workers: workers) { _, task in
                let start = min(task * perTask, count), end = min(start + perTask, count)
                forEachTile(first + start..<first + end, tileRows: tileRows, tileColumns: tileColumns) { local, n, tileRow, tileColumn in
                    let row = start + local
                    // V: the forward's input transform, position xi's row `row` at v + xi * count * inputs.
                    transformInputTile(source.pointer, image: image, geometry: geometry, n: n, tileRow: tileRow, tileColumn: tileColumn,
                                       into: v.pointer + row * inputs, positionStride: count * inputs)
                    // dM = A dY At from the 2x2 block of dz this tile produced (zeros past the output's edge), as row `row`
                    // of the 16 packed dM matrices.
                    withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: 4) { block in
                        for i in 0..<2 {
                            for j in 0..<2 {
                                let r = 2 * tileRow + i, c = 2 * tileColumn + j
                                block[i * 2 + j] = r < outputHeight && c < outputWidth
                                    ? UnsafePointer(dz.pointer) + ((n * outputHeight + r) * outputWidth + c) * outputs : nil
                            }
                        }
                        zoo_winograd_gradient_tile(block.baseAddress!, Int64(outputs), dM[0].element(row: row, column: 0),
                                                   Int64(positionFloats), Int64(count * GemmTile.columns))
                    }
                }
            }
            let (products, sumSoFar) = sums.nextChunk()
            for position in 0..<16 {
                let transformed = TransposedMatrixOperand(base: v.pointer + position * count * inputs, rows: inputs, depth: count, stride: inputs)
                gemm(transformed, dM[position], output: products + position * pairs, outputStride: outputs,
                     epilogue: GemmEpilogue(residual: sumSoFar.map { $0 + position * pairs }, residualStride: outputs),
                     workspace: workspace)
            }
        }
        foldTransformed(sums.total, pairs: pairs, into: kernelGradient)
    }

    /// `dg = Gt dU G` for every (in, out) pair: `dU` holds the 16 positions' `(in, out)` matrices `pairs` apart; writes the
    /// HWIO kernel gradient, tap `(r, s)` at `(3r + s) * pairs`. G's columns are (1, 1/2, 1/2, 0), (0, 1/2, -1/2, 0) and
    /// (0, 1/2, 1/2, 1). The pairs are split between the workers: on one thread the fold, with the first touch of the
    /// kernel gradient's fresh pages, took about 90 ms of VGG19's last-block step.
    private static func foldTransformed(_ dU: UnsafePointer<Float>, pairs: Int, into dg: UnsafeMutablePointer<Float>) {
        @Sendable @inline(__always) func fold(_ u0: Float, _ u1: Float, _ u2: Float, _ u3: Float) -> (Float, Float, Float) {
            (u0 + (u1 + u2) * 0.5, (u1 - u2) * 0.5, (u1 + u2) * 0.5 + u3)
        }
        let source = SendablePointer(UnsafeMutablePointer(mutating: dU)), target = SendablePointer(dg)
        let workers = Parallelism.workers, tasks = min(pairs, 4 * workers), perTask = (pairs + tasks - 1) / tasks
        runTasks(tasks, workers: workers) { _, task in
            let dU = UnsafePointer(source.pointer), dg = target.pointer
            for e in min(task * perTask, pairs)..<min((task + 1) * perTask, pairs) {
                // dU G: each row i of the 4x4 folded to 3 columns; then Gt (dU G): the 4 rows folded to 3.
                @inline(__always) func row(_ i: Int) -> (Float, Float, Float) {
                    fold(dU[(4 * i) * pairs + e], dU[(4 * i + 1) * pairs + e], dU[(4 * i + 2) * pairs + e], dU[(4 * i + 3) * pairs + e])
                }
                let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3))
                let column0 = fold(r0.0, r1.0, r2.0, r3.0), column1 = fold(r0.1, r1.1, r2.1, r3.1), column2 = fold(r0.2, r1.2, r2.2, r3.2)
                dg[e] = column0.0; dg[pairs + e] = column1.0; dg[2 * pairs + e] = column2.0
                dg[3 * pairs + e] = column0.1; dg[4 * pairs + e] = column1.1; dg[5 * pairs + e] = column2.1
                dg[6 * pairs + e] = column0.2; dg[7 * pairs + e] = column1.2; dg[8 * pairs + e] = column2.2
            }
        }
    }
}

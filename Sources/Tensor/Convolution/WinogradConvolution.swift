internal import CKernels

/// Winograd F(2x2, 3x3) for 3x3 stride-1 undilated convolutions: each 2x2 block of outputs comes from a
/// 4x4 input tile with 16 multiplications per (input, output) channel pair instead of 36, so the GEMM work
/// drops 2.25x. Per tile `V = Bt d B`; per channel pair the weights become `U = G g Gt` (once, at load);
/// the 16 positions of the 4x4 tile are 16 independent GEMMs `M[xi] = V[xi] x U[xi]` over
/// (tiles, in) x (in, out); then `Y = At M A` gives the outputs, and the usual epilogue finishes them.
///
/// The input is processed in blocks of tiles small enough that one position's V and M stay in L2, so the
/// transformed data never goes out to DRAM (a whole-image transform would triple the memory traffic of
/// the early VGG layers). The transforms only add, subtract and halve, so rounding stays within a few ulps
/// of the direct convolution's (normalised error around 1e-6 against TensorFlow).
enum WinogradF2x3 {
    /// `U[xi] = (G g Gt)[xi]` for every (in, out) pair of the HWIO `(3, 3, inputs, outputs)` kernel `g`, written
    /// straight into 16 packed `(in, out)` matrices (`zoo_winograd_weight_row`, the input channels split between the
    /// workers: training transforms its trainable layers' weights after every step). `outputScale` multiplies output
    /// channel `o`'s taps by `outputScale[o]` first (a folded BatchNormalization: `W * scale`, then the transform). The
    /// matrices are views of one new buffer, or of `storage` (a workspace's, reused from call to call).
    static func transformWeights(_ g: UnsafePointer<Float>, inputs: Int, outputs: Int, outputScale: [Float]?,
                                 into storage: TensorStorage? = nil) -> [PackedMatrix] {
        let floats = PackedMatrix.count(rows: inputs, columns: outputs)
        let buffer = storage ?? TensorStorage(capacity: 16 * floats)
        let matrices = (0..<16).map { PackedMatrix(rows: inputs, columns: outputs, storage: buffer, offset: $0 * floats) }
        let first = matrices[0], taps = SendablePointer(UnsafeMutablePointer(mutating: g))
        let workers = Parallelism.workers, tasks = min(inputs, 4 * workers), perTask = (inputs + tasks - 1) / tasks
        runTasks(tasks, workers: workers) { _, task in
            func transformRows(scale: UnsafePointer<Float>?) {
                for input in min(task * perTask, inputs)..<min((task + 1) * perTask, inputs) {
                    zoo_winograd_weight_row(taps.pointer + input * outputs, Int64(inputs * outputs), Int64(outputs), scale,
                                            first.element(row: input, column: 0), Int64(floats), Int64(inputs * GemmTile.columns))
                }
            }
            if let outputScale { outputScale.withUnsafeBufferPointer { transformRows(scale: $0.baseAddress) } } else { transformRows(scale: nil) }
        }
        return matrices
    }

    /// How many tiles one task transforms and multiplies at a time.
    static func tilesPerBlock(tiles: Int, inputs: Int, outputs: Int, workers: Int) -> Int {
        // One position's V (tiles x in) and M (tiles x out) within 256 KB of L2, and enough blocks for every worker.
        let fitting = min(max((256 * 1024 / ((inputs + outputs) * MemoryLayout<Float>.stride)) / GemmTile.rows * GemmTile.rows, GemmTile.rows),
                          GemmTile.maxBlockRows)
        return max(min(fitting, roundUp((tiles + workers - 1) / workers, to: GemmTile.rows)), GemmTile.rows)
    }

    static func forward(input: UnsafePointer<Float>, image: ImageShape, geometry: WindowGeometry, weights: [PackedMatrix],
                        output: UnsafeMutablePointer<Float>, epilogue: GemmEpilogue, workspace: Workspace) {
        let inputs = image.channels, outputs = weights[0].columns
        let outputHeight = geometry.rows.output, outputWidth = geometry.columns.output
        let tileRows = (outputHeight + 1) / 2, tileColumns = (outputWidth + 1) / 2
        let tiles = image.batch * tileRows * tileColumns
        let workers = Parallelism.workers
        let blockTiles = tilesPerBlock(tiles: tiles, inputs: inputs, outputs: outputs, workers: workers)
        let tasks = (tiles + blockTiles - 1) / blockTiles
        // The GEMM scratch depends only on the operand's depth blocking: size it with a stand-in for V.
        let gemmBytes = RowBlockScratch(MatrixOperand(base: input, rows: blockTiles, depth: inputs, stride: inputs), blockRows: blockTiles).bytes
        let vFloats = 16 * blockTiles * inputs, mFloats = 16 * blockTiles * outputs
        let workerBytes = roundUp((vFloats + mFloats) * MemoryLayout<Float>.stride, to: 64) + gemmBytes
        let scratch = SendableRawPointer(workspace.reserve(bytes: workerBytes * min(workers, tasks)))
        let outputPointer = SendablePointer(output)
        let source = SendablePointer(UnsafeMutablePointer(mutating: input))  // only read

        runTasks(tasks, workers: workers) { worker, task in
            let base = scratch.pointer + worker * workerBytes
            let v = base.assumingMemoryBound(to: Float.self)
            let m = v + vFloats
            let gemmScratch = base + roundUp((vFloats + mFloats) * MemoryLayout<Float>.stride, to: 64)
            let firstTile = task * blockTiles
            let count = min(blockTiles, tiles - firstTile)

            forEachTile(firstTile..<firstTile + count, tileRows: tileRows, tileColumns: tileColumns) { local, n, tileRow, tileColumn in
                transformInputTile(source.pointer, image: image, geometry: geometry, n: n, tileRow: tileRow, tileColumn: tileColumn,
                                   into: v + local * inputs, positionStride: blockTiles * inputs)
            }

            // The 16 GEMMs M[xi] = V[xi] x U[xi], each on this thread with the register-tile kernel.
            for position in 0..<16 {
                let operand = MatrixOperand(base: v + position * blockTiles * inputs, rows: count, depth: inputs, stride: inputs)
                multiplyRowBlock(operand, weights[position], rows: 0..<count, panels: 0..<weights[position].panelCount,
                                 output: m + position * blockTiles * outputs, outputStride: outputs, epilogue: GemmEpilogue(),
                                 scratch: gemmScratch)
            }

            // Output transform Y = At M A with At = [[1,1,1,0],[0,1,-1,-1]], then bias/residual/activation: in registers
            // for linear and ReLU, what the output tile applies (the GEMM tiles also finish relu6 and silu).
            let inRegisters = epilogue.activation == .linear || epilogue.activation == .relu
            forEachTile(firstTile..<firstTile + count, tileRows: tileRows, tileColumns: tileColumns) { local, n, tileRow, tileColumn in
                // The four output pixels of the 2x2 block (nil past the image's bottom or right edge) and their residuals.
                withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>?.self, capacity: 4) { targets in
                    withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: 4) { residuals in
                        for i in 0..<2 {
                            for j in 0..<2 {
                                let inside = 2 * tileRow + i < outputHeight && 2 * tileColumn + j < outputWidth
                                let pixel = (n * outputHeight + 2 * tileRow + i) * outputWidth + 2 * tileColumn + j
                                targets[i * 2 + j] = inside ? outputPointer.pointer + pixel * outputs : nil
                                residuals[i * 2 + j] = inside ? epilogue.residual.map { $0 + pixel * epilogue.residualStride } : nil
                            }
                        }
                        zoo_winograd_output_tile(m + local * outputs, Int64(blockTiles * outputs), Int64(outputs), targets.baseAddress!,
                                                 inRegisters ? epilogue.bias : nil,
                                                 inRegisters && epilogue.residual != nil ? UnsafePointer(residuals.baseAddress!) : nil,
                                                 inRegisters && epilogue.activation == .relu)
                    }
                }
                // Other activations run over each finished output pixel instead, with the bias and residual.
                guard !inRegisters else { return }
                for i in 0..<2 where 2 * tileRow + i < outputHeight {
                    for j in 0..<2 where 2 * tileColumn + j < outputWidth {
                        let pixel = (n * outputHeight + 2 * tileRow + i) * outputWidth + 2 * tileColumn + j
                        epilogue.apply(to: outputPointer.pointer + pixel * outputs, stride: outputs, row: pixel, rows: 1, column: 0, columns: outputs)
                    }
                }
            }
        }
    }

    /// The input transform of tile (`tileRow`, `tileColumn`) of image `n`: V[xi][c] = (Bt d B)[xi] with
    /// Bt = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]], position xi at `v + xi * positionStride`; the tile's pixels in
    /// the padding read as zeros.
    @inline(__always)
    static func transformInputTile(_ input: UnsafePointer<Float>, image: ImageShape, geometry: WindowGeometry, n: Int, tileRow: Int,
                                   tileColumn: Int, into v: UnsafeMutablePointer<Float>, positionStride: Int) {
        let top = geometry.rows.inputIndex(output: 2 * tileRow, tap: 0)
        let left = geometry.columns.inputIndex(output: 2 * tileColumn, tap: 0)
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: 16) { pixels in
            for i in 0..<4 {
                for j in 0..<4 {
                    let row = top + i, column = left + j
                    pixels[i * 4 + j] = row >= 0 && row < image.height && column >= 0 && column < image.width
                        ? input + ((n * image.height + row) * image.width + column) * image.channels : nil
                }
            }
            zoo_winograd_input_tile(pixels.baseAddress!, Int64(image.channels), v, Int64(positionStride))
        }
    }

    /// Calls `body(local, n, tileRow, tileColumn)` for the tiles of `range`, `local` counting from 0.
    @inline(__always)
    static func forEachTile(_ range: Range<Int>, tileRows: Int, tileColumns: Int, _ body: (Int, Int, Int, Int) -> Void) {
        let (n, within) = range.lowerBound.quotientAndRemainder(dividingBy: tileRows * tileColumns)
        var (image, (row, column)) = (n, within.quotientAndRemainder(dividingBy: tileColumns))
        for local in 0..<range.count {
            body(local, image, row, column)
            column += 1
            if column == tileColumns {
                column = 0
                row += 1
                if row == tileRows { row = 0; image += 1 }
            }
        }
    }
}

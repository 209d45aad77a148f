internal import CKernels

/// Blocking of the GEMM around the 6x32 register tile (`multiplyTiles`).
enum GemmTile {
    /// Output rows per register tile.
    static let rows = 6
    /// Most rows of a row block's last tile on the kernel path in use: 7 with AVX-512, whose 32 registers hold the
    /// 14 accumulators, so that a block of 6q + 1 rows (a 7x7 map's 49) ends in a 7-row tile, not a 1-row one; else 6.
    static var longestRows: Int { Int(zoo_gemm_longest_tile_rows()) }
    /// Output columns per register tile (two SIMD16 vectors), also the width of a packed B panel.
    static let columns = 32
    /// Longest depth block: a 256 x 32 B panel slice is 32 KB and stays in the 48 KB L1 while the tiles of
    /// a row block stream past it.
    static let maxDepth = 256
    /// Most rows per row block: their A rows (144 x 256 floats, 144 KB) and outputs stay in the 1 MB L2.
    static let maxBlockRows = 144
}

/// Zeros standing in for rows that are entirely padding (convolution borders).
private final class ZeroRow: @unchecked Sendable {
    static let shared = ZeroRow()
    let values: UnsafeMutablePointer<Float>
    private init() {
        values = .allocate(capacity: GemmTile.maxDepth)
        values.initialize(repeating: 0, count: GemmTile.maxDepth)
    }
}

/// How the M x N output is cut into tasks for the worker threads.
private struct GemmSchedule {
    let blockRows: Int
    let rowBlocks: Int
    let panelsPerTask: Int
    let columnSplits: Int
    var taskCount: Int { rowBlocks * columnSplits }

    /// `rowsStayWhole`: the left operand prepares its rows into scratch, and the weights are small enough for every task to
    /// read them all (see `gemm`).
    init(rows: Int, panels: Int, workers: Int, rowsStayWhole: Bool) {
        // Row blocks as large as L2 allows, balanced in size. When there are too few of them to keep every
        // worker busy (deep layers, dense), the columns are split instead of the rows: each weight panel is
        // then read by one task only, and reused across all of M (a 7x7 map has just 49 rows to reuse it on).
        // With fewer panels than workers too, the rows are cut finer after all (DenseNet121's last 16 3x3
        // convolutions make 32 channels of a 7x7 map: one panel, and one task on one thread). Rows that stay whole
        // are cut into two blocks per worker where they can be.
        var blocks = (rows + GemmTile.maxBlockRows - 1) / GemmTile.maxBlockRows
        if blocks * panels < workers || (rowsStayWhole && blocks < 2 * workers) {
            let wanted = rowsStayWhole ? 2 * workers : (workers + panels - 1) / panels
            blocks = max(blocks, min(wanted, (rows + GemmTile.rows - 1) / GemmTile.rows))
        }
        blockRows = roundUp((rows + blocks - 1) / blocks, to: GemmTile.rows)
        rowBlocks = (rows + blockRows - 1) / blockRows
        let splits = rowBlocks >= 2 * workers || (rowsStayWhole && rowBlocks >= workers)
            ? 1 : min(panels, (2 * workers + rowBlocks - 1) / rowBlocks)
        panelsPerTask = (panels + splits - 1) / splits
        columnSplits = (panels + panelsPerTask - 1) / panelsPerTask
    }
}

/// Per-worker scratch for one row block: the row-pointer tables (one per depth block and segment) at its start, then
/// the operand's own scratch (im2col row tiles).
struct RowBlockScratch {
    let operand: Int, bytes: Int

    init<Left: GemmLeftOperand>(_ left: Left, blockRows: Int) {
        operand = roundUp(left.depthBlockCount * left.segments * roundUp(blockRows, to: GemmTile.rows) * MemoryLayout<UnsafePointer<Float>>.stride,
                          to: 64)
        bytes = operand + roundUp(left.scratchCount(blockRows: blockRows) * MemoryLayout<Float>.stride, to: 64)
    }
}

/// A row block's A rows at most this large are streamed panel by panel over the whole depth: with so few
/// rows nothing is reused across panels, and walking each packed panel end to end lets the hardware
/// prefetcher stream the weights (Dense at batch 1 reads each weight once, so it is bandwidth-bound).
private let panelMajorMaximumBytes = 256 * 1024

/// `output[M, N] = epilogue(left[M, K] x right[K, N])`, rows of `output` `outputStride` floats apart.
/// Row blocks (and, for small M, column ranges) run on `Parallelism.workers` threads.
func gemm<Left: GemmLeftOperand>(_ left: Left, _ right: PackedMatrix, output: UnsafeMutablePointer<Float>,
                                 outputStride: Int, epilogue: GemmEpilogue, workspace: Workspace) {
    precondition(left.depth == right.rows, "GEMM depth mismatch: entry points validate shapes first")
    let rows = left.rows
    guard rows > 0, right.columns > 0 else { return }
    let workers = Parallelism.workers
    // An operand that prepares its rows into scratch (normalises, transposes, gathers them, or computes them by a
    // depthwise convolution) prepares each row block in the task that multiplies it. Where the packed weights stay in L2
    // for every task, such rows are cut into blocks for every worker and the columns are not split (MobileNetV2's 14x14
    // blocks: one parallel region, no row prepared twice).
    let preparing = left as? any ScratchRowsOperand
    let weightBytes = right.panelCount * right.rows * GemmTile.columns * MemoryLayout<Float>.stride
    let schedule = GemmSchedule(rows: rows, panels: right.panelCount, workers: workers, rowsStayWhole: preparing != nil && weightBytes <= 256 * 1024)
    // With the columns split between the workers, every task of a row block would prepare its rows again on its own
    // critical path: an operand that prepares rows into scratch has all of them prepared once instead, split between the
    // workers, and read in place (DenseNet's pre-activated 14x14 and 7x7 blocks, whose weights take up to 512 KB).
    if schedule.columnSplits > 1, let preparing {
        let prepared = workspace.storage(for: .preparedRows, count: rows * left.depth).base
        preparing.prepareAll(into: prepared)
        return gemm(MatrixOperand(base: prepared, rows: rows, depth: left.depth, stride: left.depth), right, output: output,
                    outputStride: outputStride, epilogue: epilogue, workspace: workspace)
    }
    let scratchBytes = RowBlockScratch(left, blockRows: schedule.blockRows).bytes
    let scratch = SendableRawPointer(workspace.reserve(bytes: scratchBytes * min(workers, schedule.taskCount)))
    let outputPointer = SendablePointer(output)

    runTasks(schedule.taskCount, workers: workers) { worker, task in
        let rowBlock = task / schedule.columnSplits
        let firstPanel = (task % schedule.columnSplits) * schedule.panelsPerTask
        let blockStart = rowBlock * schedule.blockRows
        multiplyRowBlock(left, right, rows: blockStart..<min(blockStart + schedule.blockRows, rows),
                         panels: firstPanel..<min(firstPanel + schedule.panelsPerTask, right.panelCount),
                         output: outputPointer.pointer, outputStride: outputStride, epilogue: epilogue,
                         scratch: scratch.pointer + worker * scratchBytes)
    }
}

/// `gemm` on the calling thread, row block after row block, for a kernel that already runs as one task of a parallel
/// region (`InvertedResidual`'s bands). `scratch` holds `RowBlockScratch(left, blockRows: GemmTile.maxBlockRows).bytes`.
func gemmOnThisThread<Left: GemmLeftOperand>(_ left: Left, _ right: PackedMatrix, output: UnsafeMutablePointer<Float>, outputStride: Int,
                                             epilogue: GemmEpilogue, scratch: UnsafeMutableRawPointer) {
    var start = 0
    while start < left.rows {
        let rows = start..<min(start + GemmTile.maxBlockRows, left.rows)
        multiplyRowBlock(left, right, rows: rows, panels: 0..<right.panelCount, output: output, outputStride: outputStride, epilogue: epilogue,
                         scratch: scratch)
        start = rows.upperBound
    }
}

/// Computes output rows `rows` (at most `GemmTile.maxBlockRows`) in columns `panels` on the calling thread,
/// using `scratch` (`RowBlockScratch(left, blockRows: rows.count).bytes` or more).
func multiplyRowBlock<Left: GemmLeftOperand>(_ left: Left, _ right: PackedMatrix, rows: Range<Int>, panels: Range<Int>,
                                             output: UnsafeMutablePointer<Float>, outputStride: Int, epilogue: GemmEpilogue,
                                             scratch: UnsafeMutableRawPointer) {
    let layout = RowBlockScratch(left, blockRows: rows.count)
    let tables = scratch.assumingMemoryBound(to: UnsafePointer<Float>.self)
    let operandScratch = (scratch + layout.operand).assumingMemoryBound(to: Float.self)
    let blocks = left.depthBlockCount
    let blockStart = rows.lowerBound, blockRows = rows.count
    let paddedBlockRows = roundUp(blockRows, to: GemmTile.rows)
    // Each depth block's table: one list of row pointers per segment of the depth (one for most operands).
    let segments = left.segments, tableLength = segments * paddedBlockRows
    let columns = right.columns
    let zeros = UnsafePointer(ZeroRow.shared.values)

    left.prepare(rows: rows, scratch: operandScratch)
    // The tiles read only the row block's own rows (the last tile is as short as it needs), never the table's padding.
    for block in 0..<blocks {
        left.rowPointers(block: block, rows: rows, scratch: operandScratch, zeros: zeros, into: tables + block * tableLength)
    }

    /// Where depth block `block` of panel `panel` starts in the packed weights.
    func slice(block: Int, panel: Int) -> UnsafePointer<Float> {
        right.panel(panel) + left.depthBlock(block).start * GemmTile.columns
    }

    // Tiles of 6 rows, the last one shorter; or 7 rows where the path has such tiles and a 1-row tile would be left.
    let tileCount = blockRows % GemmTile.rows == 1 && blockRows > 1 && GemmTile.longestRows > GemmTile.rows
        ? blockRows / GemmTile.rows : (blockRows + GemmTile.rows - 1) / GemmTile.rows
    let lastTileRows = blockRows - (tileCount - 1) * GemmTile.rows

    /// Multiplies the row block's tiles by one depth block of one panel, and finishes them after the last depth block.
    /// The first tile also brings `next` (the slice that follows) into L2.
    func computeSlice(block: Int, panel: Int, next: UnsafePointer<Float>?) {
        let finish = block == blocks - 1
        let column = panel * GemmTile.columns
        let tileColumns = min(GemmTile.columns, columns - column)
        let target = output + blockStart * outputStride + column
        // The tiles compute their rows and columns (all 32, or the last panel's few) straight into the output.
        let inRegisters = finish ? epilogue.tileFinish(row: blockStart, column: column) : nil
        multiplyTiles(count: tileCount, lastRows: lastTileRows, columnCount: tileColumns, depth: left.depthBlock(block).count / segments,
                      rows: tables + block * tableLength, panel: slice(block: block, panel: panel), output: target,
                      outputStride: outputStride, accumulate: block > 0, finish: inRegisters, prefetch: next,
                      segments: segments, segmentStride: paddedBlockRows)
        if finish && inRegisters == nil {
            // Right after the stores, while the slice's outputs (at most 144 x 32 floats) are still in L1.
            epilogue.apply(to: target, stride: outputStride, row: blockStart, rows: blockRows, column: column, columns: tileColumns)
        }
    }

    if blockRows <= GemmTile.rows && left.depth * MemoryLayout<Float>.stride <= panelMajorMaximumBytes {
        for panel in panels {
            for block in 0..<blocks {
                let next = block + 1 < blocks ? slice(block: block + 1, panel: panel)
                    : panel + 1 < panels.upperBound ? slice(block: 0, panel: panel + 1) : nil
                computeSlice(block: block, panel: panel, next: next)
            }
        }
    } else {
        // A depth block's A rows stay in L2 while every panel passes; each B slice stays in L1 while the
        // row block's tiles pass. (Finishing tile by tile across the panels instead, for sequential output
        // rows, measured slower: the B slices of all panels no longer fit in L1.)
        for block in 0..<blocks {
            for panel in panels {
                let next = panel + 1 < panels.upperBound ? slice(block: block, panel: panel + 1)
                    : block + 1 < blocks ? slice(block: block + 1, panel: panels.lowerBound) : nil
                computeSlice(block: block, panel: panel, next: next)
            }
        }
    }
}

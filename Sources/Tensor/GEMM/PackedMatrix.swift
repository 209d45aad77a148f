/// The right-hand GEMM operand (weights) rearranged once, at load time, into the order the micro-kernel
/// reads it: panel `p` holds all `rows` (the reduction depth K) of columns `32p..<32p+32` contiguously,
/// zero-padded past `columns`. Keras kernels are already `(K, N)` row-major: Dense `(in, out)` and Conv2D
/// HWIO, whose leading `(kh, kw, in)` flatten to K in the same order the convolution walks its taps.
/// With N a multiple of 32 (every VGG/ResNet layer) the packed copy is exactly the size of the original.
public struct PackedMatrix: Sendable {
    /// K: the reduction depth.
    public let rows: Int
    /// N: the output columns.
    public let columns: Int
    let storage: TensorStorage
    /// Floats before the matrix's first element in `storage` (several views can share one buffer).
    let offset: Int

    var panelCount: Int { (columns + GemmTile.columns - 1) / GemmTile.columns }

    /// Packs a `(K, N)` matrix, or any tensor whose last axis is N and whose leading axes flatten to K.
    public init(_ matrix: Tensor) throws {
        guard matrix.rank >= 2, matrix.count > 0 else {
            throw TensorError.shapeMismatch(operation: "pack", detail: "expected a non-empty (K, N) matrix, got \(matrix.shape)")
        }
        let columns = matrix.shape[matrix.rank - 1]
        self = matrix.withValues { PackedMatrix(rows: matrix.count / columns, columns: columns, source: $0.baseAddress!) }
    }

    /// Packs a row-major `(rows, columns)` matrix a block of rows at a time: `rowsOf(block)` gives the block's
    /// rows (row-major, `columns` floats apart), which need to stay valid only until `released(block)` is
    /// called once they are packed. A loader reads them straight from a memory-mapped weight file and hands
    /// the pages back as it goes, or widens 16-bit weights a block at a time, so packing VGG16's 411 MB
    /// `fc1` kernel never holds it twice.
    public init(rows: Int, columns: Int, rowsPerBlock: Int = 1024, rowsOf: (Range<Int>) throws -> UnsafePointer<Float>,
                released: (Range<Int>) -> Void = { _ in }) throws {
        guard rows > 0, columns > 0, rowsPerBlock > 0 else {
            throw TensorError.shapeMismatch(operation: "pack", detail: "a \(rows) x \(columns) matrix in blocks of \(rowsPerBlock) rows")
        }
        try self.init(rows: rows, columns: columns, rowStride: columns, columnScale: nil, rowsPerBlock: rowsPerBlock, rowsOf: rowsOf,
                      released: released)
    }

    /// Packs the row-major matrix at `source`, its rows `rowStride` floats apart (`columns` unless the matrix is a
    /// run of columns of a wider one: one group's output channels of a grouped convolution's kernel). `columnScale`
    /// multiplies column `j` by `columnScale[j]` on the way (a BatchNormalization folded into a convolution scales
    /// its outputs); the caller checks it has `columns` factors.
    init(rows: Int, columns: Int, source: UnsafePointer<Float>, rowStride: Int? = nil, columnScale: [Float]? = nil) {
        let rowStride = rowStride ?? columns
        self.init(rows: rows, columns: columns, rowStride: rowStride, columnScale: columnScale, rowsPerBlock: rows,
                  rowsOf: { source + $0.lowerBound * rowStride }, released: { _ in })
    }

    private init(rows: Int, columns: Int, rowStride: Int, columnScale: [Float]?, rowsPerBlock: Int,
                 rowsOf: (Range<Int>) throws -> UnsafePointer<Float>, released: (Range<Int>) -> Void) rethrows {
        self.init(zeroRows: rows, columns: columns)
        for first in stride(from: 0, to: rows, by: rowsPerBlock) {
            let block = first..<min(first + rowsPerBlock, rows)
            let source = try rowsOf(block)
            for panel in 0..<panelCount {
                let column = panel * GemmTile.columns
                let width = min(GemmTile.columns, columns - column)
                for k in block {
                    let from = source + (k - first) * rowStride + column, to = element(row: k, column: column)
                    if let columnScale {
                        for j in 0..<width { to[j] = from[j] * columnScale[column + j] }
                    } else {
                        to.update(from: from, count: width)
                    }
                }
            }
            released(block)
        }
    }

    /// A zero matrix in packed order, for code that computes its elements in place (`element(row:column:)`).
    init(zeroRows rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        storage = TensorStorage(capacity: Self.count(rows: rows, columns: columns))
        offset = 0
    }

    /// Where element `(row, column)` lives; the next elements of its panel (up to the panel's 32 columns) follow it.
    @inline(__always) func element(row: Int, column: Int) -> UnsafeMutablePointer<Float> {
        storage.base + (offset &+ (column / GemmTile.columns) &* rows &* GemmTile.columns &+ row &* GemmTile.columns &+ column % GemmTile.columns)
    }

    /// The first element of `panel` (`rows` x 32 floats).
    @inline(__always) func panel(_ panel: Int) -> UnsafePointer<Float> {
        UnsafePointer(storage.base + (offset &+ panel &* rows &* GemmTile.columns))
    }

    /// The original `(K, N)` matrix (for checkpoints, and for the weight updates of training).
    public func unpacked() -> Tensor {
        let matrix = Tensor(unchecked: [rows, columns], storage: TensorStorage(capacity: rows * columns), offset: 0)
        for panel in 0..<panelCount {
            let first = panel * GemmTile.columns
            let width = min(GemmTile.columns, columns - first)
            for k in 0..<rows {
                (matrix.pointer + k * columns + first).update(from: self.panel(panel) + k * GemmTile.columns, count: width)
            }
        }
        return matrix
    }
}

extension PackedMatrix {
    /// Floats a packed `rows` x `columns` matrix takes (its panels zero-padded to 32 columns).
    static func count(rows: Int, columns: Int) -> Int { (columns + GemmTile.columns - 1) / GemmTile.columns * rows * GemmTile.columns }

    /// A `rows` x `columns` view of `storage` from float `offset` on (packed order, zero-padded past `columns`), for
    /// a caller that repacks different operands of at most the storage's size into the same memory.
    init(rows: Int, columns: Int, storage: TensorStorage, offset: Int = 0) {
        precondition(offset + Self.count(rows: rows, columns: columns) <= storage.capacity, "packed view exceeds its storage")
        self.rows = rows
        self.columns = columns
        self.storage = storage
        self.offset = offset
    }

    /// This matrix with row `k` multiplied by `scale[k]`, written into `storage` (at least `count(rows:columns:)` floats).
    func scalingRows(by scale: UnsafePointer<Float>, into storage: TensorStorage) -> PackedMatrix {
        let scaled = PackedMatrix(rows: rows, columns: columns, storage: storage)
        for panel in 0..<panelCount {
            let from = self.panel(panel), to = scaled.storage.base + panel &* rows &* GemmTile.columns
            for k in 0..<rows {
                let factor = SIMD16(repeating: scale[k]), row = k &* GemmTile.columns
                store16(load16(from + row) * factor, to + row)
                store16(load16(from + (row &+ 16)) * factor, to + (row &+ 16))
            }
        }
        return scaled
    }

    /// Writes `count` values of row `row` from column `column` on, crossing panel boundaries as needed;
    /// a nil `source` writes zeros (a padded im2col tap).
    @inline(__always)
    func setRow(_ row: Int, column: Int, count: Int, from source: UnsafePointer<Float>?) {
        var column = column, done = 0
        while done < count {
            let run = min(count &- done, GemmTile.columns &- column % GemmTile.columns)
            let target = element(row: row, column: column)
            if let source { target.update(from: source + done, count: run) } else { target.update(repeating: 0, count: run) }
            done &+= run
            column &+= run
        }
    }
}

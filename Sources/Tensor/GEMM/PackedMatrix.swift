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

    var panelCount: Int { (columns + GemmTile.columns - 1) / GemmTile.columns }

    /// Packs a `(K, N)` matrix, or any tensor whose last axis is N and whose leading axes flatten to K.
    public init(_ matrix: Tensor) throws {
        guard matrix.rank >= 2, matrix.count > 0 else {
            throw TensorError.shapeMismatch(operation: "pack", detail: "expected a non-empty (K, N) matrix, got \(matrix.shape)")
        }
        let columns = matrix.shape[matrix.rank - 1]
        self.init(rows: matrix.count / columns, columns: columns, source: matrix.pointer, sourceStride: columns)
    }

    /// Packs a row-major `(rows, columns)` matrix read straight from `source` (for example a memory-mapped
    /// weight file), so a loader needs no intermediate copy and can release the source pages afterwards.
    public init(rows: Int, columns: Int, packing source: UnsafeBufferPointer<Float>) throws {
        guard rows > 0, columns > 0, let base = source.baseAddress, source.count == rows * columns else {
            throw TensorError.shapeMismatch(operation: "pack", detail: "\(source.count) values for a \(rows) x \(columns) matrix")
        }
        self.init(rows: rows, columns: columns, source: base, sourceStride: columns)
    }

    init(rows: Int, columns: Int, source: UnsafePointer<Float>, sourceStride: Int) {
        self.rows = rows
        self.columns = columns
        let panels = (columns + GemmTile.columns - 1) / GemmTile.columns
        storage = TensorStorage(capacity: panels * rows * GemmTile.columns)
        for panel in 0..<panels {
            let first = panel * GemmTile.columns
            let width = min(GemmTile.columns, columns - first)
            let destination = storage.base + panel * rows * GemmTile.columns
            for k in 0..<rows {
                (destination + k * GemmTile.columns).update(from: source + k * sourceStride + first, count: width)
            }
        }
    }

    /// The first element of `panel` (`rows` x 32 floats).
    @inline(__always) func panel(_ panel: Int) -> UnsafePointer<Float> {
        UnsafePointer(storage.base + panel &* rows &* GemmTile.columns)
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
    /// A copy with column `j` multiplied by `factors[j]` (BN folding scales output channels).
    func scalingColumns(by factors: [Float]) -> PackedMatrix {
        precondition(factors.count == columns, "one factor per column: BatchNorm.folded checks this")
        let scaled = PackedMatrix(rows: rows, columns: columns, copying: storage)
        for panel in 0..<panelCount {
            let first = panel * GemmTile.columns
            let width = min(GemmTile.columns, columns - first)
            let base = scaled.storage.base + panel * rows * GemmTile.columns
            for k in 0..<rows {
                for j in 0..<width { base[k * GemmTile.columns + j] *= factors[first + j] }
            }
        }
        return scaled
    }

    private init(rows: Int, columns: Int, copying source: TensorStorage) {
        self.rows = rows
        self.columns = columns
        storage = TensorStorage(capacity: source.capacity)
        storage.base.update(from: source.base, count: source.capacity)
    }
}

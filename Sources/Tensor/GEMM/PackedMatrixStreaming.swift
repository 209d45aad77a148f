extension PackedMatrix {
    /// Packs a row-major `(rows, columns)` matrix block of rows by block of rows, calling `released` after
    /// each block with the rows it no longer needs. A loader packing from a memory-mapped file hands those
    /// pages back as it goes, so packing VGG16's 411 MB `fc1` kernel never holds it twice.
    public init(rows: Int, columns: Int, streaming source: UnsafeBufferPointer<Float>, rowsPerBlock: Int = 1024,
                released: (Range<Int>) -> Void) throws {
        guard rows > 0, columns > 0, rowsPerBlock > 0, let base = source.baseAddress, source.count == rows * columns else {
            throw TensorError.shapeMismatch(operation: "pack", detail: "\(source.count) values for a \(rows) x \(columns) matrix")
        }
        self.rows = rows
        self.columns = columns
        let panels = (columns + GemmTile.columns - 1) / GemmTile.columns
        storage = TensorStorage(capacity: panels * rows * GemmTile.columns)
        for first in stride(from: 0, to: rows, by: rowsPerBlock) {
            let block = first..<min(first + rowsPerBlock, rows)
            for panel in 0..<panels {
                let column = panel * GemmTile.columns
                let width = min(GemmTile.columns, columns - column)
                let destination = storage.base + panel * rows * GemmTile.columns
                for k in block {
                    (destination + k * GemmTile.columns).update(from: base + k * columns + column, count: width)
                }
            }
            released(block)
        }
    }
}

import Foundation

/// One image's transform, with the meanings of the dictionary Keras' `apply_transform` takes.
/// `tx` moves along rows (it comes from `height_shift_range`), `ty` along columns.
public struct AffineParameters: Sendable, Equatable, Codable {
    public var theta: Double = 0  // degrees
    public var tx: Double = 0  // pixels
    public var ty: Double = 0  // pixels
    public var shear: Double = 0  // degrees
    public var zx: Double = 1
    public var zy: Double = 1
    public var flipHorizontal = false
    public var flipVertical = false

    public init() {}

    var isIdentityAffine: Bool { theta == 0 && tx == 0 && ty == 0 && shear == 0 && zx == 1 && zy == 1 }

    /// The 2x2 matrix and offset handed to `scipy.ndimage.affine_transform`, built as Keras'
    /// `apply_affine_transform` does for a channels-last image: rotation · shift · shear · zoom
    /// (each factor only when it is not the identity), moved to turn about the centre, then
    /// permuted from Keras' (x, y) convention to numpy's (row, column) indexing.
    func scipyMatrix(height: Int, width: Int, centre: CentreConvention) -> (matrix: [Double], offset: [Double]) {
        var transform: [Double]?  // 3x3, row-major
        func then(_ factor: [Double]) { transform = transform.map { multiply($0, factor) } ?? factor }
        if theta != 0 {
            let radians = theta * (Double.pi / 180)  // np.deg2rad multiplies by pi/180
            then([cos(radians), -sin(radians), 0, sin(radians), cos(radians), 0, 0, 0, 1])
        }
        if tx != 0 || ty != 0 { then([1, 0, tx, 0, 1, ty, 0, 0, 1]) }
        if shear != 0 {
            let radians = shear * (Double.pi / 180)
            then([1, -sin(radians), 0, 0, cos(radians), 0, 0, 0, 1])
        }
        if zx != 1 || zy != 1 { then([zx, 0, 0, 0, zy, 0, 0, 0, 1]) }
        let core = transform ?? [1, 0, 0, 0, 1, 0, 0, 0, 1]
        let ox = Double(height) / 2 + centre.offset, oy = Double(width) / 2 + centre.offset
        let centred = multiply(multiply([1, 0, ox, 0, 1, oy, 0, 0, 1], core), [1, 0, -ox, 0, 1, -oy, 0, 0, 1])
        // M' = P M P with P swapping the first two coordinates.
        return ([centred[4], centred[3], centred[1], centred[0]], [centred[5], centred[2]])
    }

    /// Keras' `apply_transform` for these parameters: the affine part as scipy's order-1
    /// `affine_transform` on each channel (in double precision, rounded to Float at the end, as
    /// scipy does for float32 input), then the horizontal flip, then the vertical flip.
    public func apply(to image: FloatImage, fillMode: FillMode, constantValue: Float,
                      centre: CentreConvention) -> FloatImage {
        var result = image
        if !isIdentityAffine {
            let (matrix, offset) = scipyMatrix(height: image.height, width: image.width, centre: centre)
            result = AffineResampler(matrix: matrix, offset: offset, fillMode: fillMode,
                                     constantValue: Double(constantValue)).resample(image)
        }
        if flipHorizontal { result = result.flippedColumns() }
        if flipVertical { result = result.flippedRows() }
        return result
    }
}

/// 3x3 row-major product as `np.dot` computes it here: numpy hands it to OpenBLAS, whose kernels
/// accumulate with fused multiply-adds. The last bit matters: it decides whether a point exactly
/// on the image edge is inside (interpolated) or outside (cval) in 'constant' mode.
private func multiply(_ a: [Double], _ b: [Double]) -> [Double] {
    var product = [Double](repeating: 0, count: 9)
    for row in 0..<3 {
        for column in 0..<3 {
            var sum = a[row * 3] * b[column]
            sum.addProduct(a[row * 3 + 1], b[3 + column])
            sum.addProduct(a[row * 3 + 2], b[6 + column])
            product[row * 3 + column] = sum
        }
    }
    return product
}

extension FloatImage {
    func flippedColumns() -> FloatImage {
        var flipped = self
        for row in 0..<height {
            for column in 0..<width {
                let from = (row * width + (width - 1 - column)) * channels, to = (row * width + column) * channels
                for channel in 0..<channels { flipped.pixels[to + channel] = pixels[from + channel] }
            }
        }
        return flipped
    }

    func flippedRows() -> FloatImage {
        var flipped = self
        let rowLength = width * channels
        for row in 0..<height {
            let from = (height - 1 - row) * rowLength
            flipped.pixels.replaceSubrange(row * rowLength..<(row + 1) * rowLength, with: pixels[from..<from + rowLength])
        }
        return flipped
    }
}

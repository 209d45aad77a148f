/// `scipy.ndimage.affine_transform(channel, matrix, offset, order=1, mode=..., cval=...)` for every
/// channel of a channels-last image. Output pixel (r, c) samples the input at
/// `offset + matrix · (r, c)` with bilinear weights, with scipy's operation order and its rules
/// for points outside: 'nearest' clamps the coordinate to the image; 'constant' gives cval for
/// any coordinate outside [0, size - 1] and interpolates inside.
struct AffineResampler {
    let matrix: [Double]  // 2x2 row-major, acting on (row, column)
    let offset: [Double]
    let fillMode: FillMode
    let constantValue: Double

    func resample(_ image: FloatImage) -> FloatImage {
        let height = image.height, width = image.width, channels = image.channels
        var output = [Float](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                for row in 0..<height {
                    for column in 0..<width {
                        // scipy's order (NI_GeometricTransform): the coordinate terms, then the shift.
                        // At exact edges the order decides whether 'constant' gives cval.
                        var y = 0.0
                        y += Double(row) * matrix[0]
                        y += Double(column) * matrix[1]
                        y += offset[0]
                        var x = 0.0
                        x += Double(row) * matrix[2]
                        x += Double(column) * matrix[3]
                        x += offset[1]
                        let out = (row * width + column) * channels
                        guard let rows = weights(y, size: height), let columns = weights(x, size: width) else {
                            for channel in 0..<channels { output[out + channel] = Float(constantValue) }
                            continue
                        }
                        let topLeft = (rows.first * width + columns.first) * channels
                        let topRight = (rows.first * width + columns.second) * channels
                        let bottomLeft = (rows.second * width + columns.first) * channels
                        let bottomRight = (rows.second * width + columns.second) * channels
                        for channel in 0..<channels {
                            // Summed as scipy does: each corner's value times its row weight, then its column weight.
                            var sum = 0.0
                            sum += Double(input[topLeft + channel]) * rows.firstWeight * columns.firstWeight
                            sum += Double(input[topRight + channel]) * rows.firstWeight * columns.secondWeight
                            sum += Double(input[bottomLeft + channel]) * rows.secondWeight * columns.firstWeight
                            sum += Double(input[bottomRight + channel]) * rows.secondWeight * columns.secondWeight
                            output[out + channel] = Float(sum)
                        }
                    }
                }
            }
        }
        return FloatImage(width: width, height: height, channels: channels, pixels: output)
    }

    struct Neighbours {
        let first: Int
        let second: Int
        let firstWeight: Double
        let secondWeight: Double
    }

    /// The two neighbouring indices along one axis and their weights, or nil for "use cval".
    private func weights(_ coordinate: Double, size: Int) -> Neighbours? {
        var position = coordinate
        switch fillMode {
        case .nearest:
            position = min(max(position, 0), Double(size - 1))
        case .constant:
            if position < 0 || position > Double(size - 1) { return nil }
        }
        let floor = position.rounded(.down)
        let fraction = position - floor
        let first = Int(floor)
        // At the last index the second neighbour has weight 0; clamp it to stay in the image.
        return Neighbours(first: first, second: min(first + 1, size - 1), firstWeight: 1 - fraction, secondWeight: fraction)
    }
}

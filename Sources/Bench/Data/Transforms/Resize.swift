/// The two resizes the notebooks' pipelines use, reproduced to the pixel.
public enum Resize {
    /// Pillow's NEAREST resize (Keras' `load_img` default): for each output column, the source
    /// column Pillow's ImagingScaleAffine picks. It starts at half a step and accumulates the step
    /// in double precision; the same accumulation is kept here so that rounding at exact boundaries
    /// agrees with Pillow.
    public static func pillowNearestSourceIndices(from source: Int, to target: Int) -> [Int] {
        let step = Double(source) / Double(target)
        var position = step * 0.5
        var indices = [Int](repeating: 0, count: target)
        for index in 0..<target {
            indices[index] = min(Int(position), source - 1)
            position += step
        }
        return indices
    }

    /// Nearest-neighbour resize of interleaved samples, as Pillow's NEAREST.
    @inlinable
    public static func nearest<Sample>(_ samples: [Sample], width: Int, height: Int, channels: Int,
                                       toWidth: Int, toHeight: Int) -> [Sample] {
        let columns = pillowNearestSourceIndices(from: width, to: toWidth)
        let rows = pillowNearestSourceIndices(from: height, to: toHeight)
        return [Sample](unsafeUninitializedCapacity: toWidth * toHeight * channels) { output, count in
            samples.withUnsafeBufferPointer { input in
                var next = 0
                for row in rows {
                    let rowStart = row * width * channels
                    for column in columns {
                        let start = rowStart + column * channels
                        for channel in 0..<channels {
                            (output.baseAddress! + next).initialize(to: input[start + channel])
                            next += 1
                        }
                    }
                }
            }
            count = toWidth * toHeight * channels
        }
    }

    /// Bilinear resize as `tf.image.resize(method='bilinear')` computes it (half-pixel centres, no
    /// antialiasing, float32 arithmetic in TensorFlow's order, see resize_bilinear_op.cc).
    public static func bilinear(_ image: FloatImage, toWidth: Int, toHeight: Int) -> FloatImage {
        let columns = bilinearWeights(from: image.width, to: toWidth)
        let rows = bilinearWeights(from: image.height, to: toHeight)
        let channels = image.channels
        var output = [Float](repeating: 0, count: toWidth * toHeight * channels)
        image.pixels.withUnsafeBufferPointer { input in
            var next = 0
            for row in rows {
                let top = row.lower * image.width * channels, bottom = row.upper * image.width * channels
                for column in columns {
                    let left = column.lower * channels, right = column.upper * channels
                    for channel in 0..<channels {
                        let topLeft = input[top + left + channel], topRight = input[top + right + channel]
                        let bottomLeft = input[bottom + left + channel], bottomRight = input[bottom + right + channel]
                        let upper = topLeft + (topRight - topLeft) * column.fraction
                        let lower = bottomLeft + (bottomRight - bottomLeft) * column.fraction
                        output[next] = upper + (lower - upper) * row.fraction
                        next += 1
                    }
                }
            }
        }
        return FloatImage(width: toWidth, height: toHeight, channels: channels, pixels: output)
    }

    struct BilinearWeight {
        let lower: Int
        let upper: Int
        let fraction: Float
    }

    static func bilinearWeights(from source: Int, to target: Int) -> [BilinearWeight] {
        let scale = Float(source) / Float(target)
        return (0..<target).map { index in
            let position = (Float(index) + 0.5) * scale - 0.5
            let floor = position.rounded(.down)
            return BilinearWeight(lower: max(Int(floor), 0), upper: min(Int(position.rounded(.up)), source - 1),
                                  fraction: position - floor)
        }
    }
}

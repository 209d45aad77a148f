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

    /// Pillow's NEAREST resize fused with the conversion to RGB Float32 (gray copied into all three
    /// channels): one pass that reads only the source pixels it keeps, which matters for a
    /// 3000x3000 X-ray resized to 224.
    @inlinable
    public static func nearestToRGB<Sample>(_ samples: [Sample], width: Int, height: Int, channels: Int,
                                            toWidth: Int, toHeight: Int, _ value: (Sample) -> Float) -> FloatImage {
        let columnStarts = pillowNearestSourceIndices(from: width, to: toWidth).map { $0 * channels }
        let rows = pillowNearestSourceIndices(from: height, to: toHeight)
        let pixels = [Float](unsafeUninitializedCapacity: toWidth * toHeight * 3) { output, count in
            samples.withUnsafeBufferPointer { input in
                columnStarts.withUnsafeBufferPointer { columnStarts in
                    var out = output.baseAddress!
                    for row in rows {
                        let source = input.baseAddress! + row * width * channels
                        if channels == 1 {
                            for start in columnStarts {
                                let gray = value(source[start])
                                out[0] = gray
                                out[1] = gray
                                out[2] = gray
                                out += 3
                            }
                        } else {
                            for start in columnStarts {
                                out[0] = value(source[start])
                                out[1] = value(source[start + 1])
                                out[2] = value(source[start + 2])
                                out += 3
                            }
                        }
                    }
                }
            }
            count = toWidth * toHeight * 3
        }
        return FloatImage(width: toWidth, height: toHeight, channels: 3, pixels: pixels)
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

/// TensorFlow's `ResizeBilinear` with half-pixel centres and without corner alignment, what `tf.image.resize(method=
/// "bilinear", antialias=False)` runs (docs/keras-numerics.md §2.1), of a window of an NHWC image: bilinear
/// UpSampling2D resizes the whole image, CenterCrop the box `smart_resize` cuts from an image smaller than its target,
/// bilinear Resizing the whole image or its window of the target's aspect ratio.
///
/// Per axis the scale is `in / out` in float32; output `i` reads source position `s = (i + 0.5) · scale − 0.5`, between
/// `max(floor(s), 0)` and `min(ceil(s), in − 1)` with weight `s − floor(s)`; each value is `top + (bottom − top) · yλ`
/// with `top = tl + (tr − tl) · xλ` and `bottom` alike, the float32 operations of TensorFlow's `compute_lerp`.
struct ResizeBilinear {
    /// The window of the input that is resized: its first row and column and its size.
    let top: Int, left: Int, height: Int, width: Int
    let outputHeight: Int, outputWidth: Int

    /// Resizes the window of `input` (NHWC, shaped `image`) into `output` (`image.batch`, `outputHeight`, `outputWidth`,
    /// `image.channels`).
    func forward(_ input: Tensor, _ image: ImageShape, into output: Tensor) {
        let rows = Self.interpolation(from: height, to: outputHeight), columns = Self.interpolation(from: width, to: outputWidth)
        let channels = image.channels, rowLength = image.width * channels
        for n in 0..<image.batch {
            let window = input.pointer + ((n * image.height + top) * image.width + left) * channels
            for y in 0..<outputHeight {
                let upperRow = window + rows[y].lower * rowLength, lowerRow = window + rows[y].upper * rowLength
                let yLerp = rows[y].lerp
                let target = output.pointer + (n * outputHeight + y) * outputWidth * channels
                for x in 0..<outputWidth {
                    let left = columns[x].lower * channels, right = columns[x].upper * channels, xLerp = columns[x].lerp
                    for c in 0..<channels {
                        let upper = upperRow[left + c] + (upperRow[right + c] - upperRow[left + c]) * xLerp
                        let lower = lowerRow[left + c] + (lowerRow[right + c] - lowerRow[left + c]) * xLerp
                        target[x * channels + c] = upper + (lower - upper) * yLerp
                    }
                }
            }
        }
    }

    /// TensorFlow's `ResizeBilinearGrad`: each output gradient spread over its four source values by the forward pass's
    /// weights, added in float32 in the same order (batch, row, column, channel; top left, top right, bottom left, bottom
    /// right) into `inputGradient` (shaped `image`), which is zero outside the window.
    func backward(_ outputGradient: Tensor, _ image: ImageShape, into inputGradient: Tensor) {
        let rows = Self.interpolation(from: height, to: outputHeight), columns = Self.interpolation(from: width, to: outputWidth)
        let channels = image.channels, rowLength = image.width * channels
        inputGradient.pointer.update(repeating: 0, count: inputGradient.count)
        for n in 0..<image.batch {
            let window = inputGradient.pointer + ((n * image.height + top) * image.width + left) * channels
            for y in 0..<outputHeight {
                let upperRow = window + rows[y].lower * rowLength, lowerRow = window + rows[y].upper * rowLength
                let yLerp = rows[y].lerp, yInverse = 1 - yLerp
                let source = outputGradient.pointer + (n * outputHeight + y) * outputWidth * channels
                for x in 0..<outputWidth {
                    let left = columns[x].lower * channels, right = columns[x].upper * channels
                    let xLerp = columns[x].lerp, xInverse = 1 - xLerp
                    for c in 0..<channels {
                        let dy = source[x * channels + c]
                        upperRow[left + c] += dy * yInverse * xInverse
                        upperRow[right + c] += dy * yInverse * xLerp
                        lowerRow[left + c] += dy * yLerp * xInverse
                        lowerRow[right + c] += dy * yLerp * xLerp
                    }
                }
            }
        }
    }

    /// TensorFlow's `compute_interpolation_weights` with its `HalfPixelScaler`, for one axis of `inputSize` values
    /// resized to `outputSize`: each output's two neighbours (clamped to the axis) and the weight of the second.
    static func interpolation(from inputSize: Int, to outputSize: Int) -> [(lower: Int, upper: Int, lerp: Float)] {
        let scale = Float(inputSize) / Float(outputSize)
        return (0..<outputSize).map { index in
            let source = (Float(index) + 0.5) * scale - 0.5
            let floor = source.rounded(.down)
            return (max(Int(floor), 0), min(Int(source.rounded(.up)), inputSize - 1), source - floor)
        }
    }
}

/// TensorFlow's `ResizeNearestNeighbor` with half-pixel centres and without corner alignment, what `tf.image.resize(method=
/// "nearest")` runs (docs/keras-numerics.md §2.2), of a window of an NHWC image: Keras' `Resizing` with `nearest`.
///
/// Per axis the scale is `in / out` in float32, and output `i` copies source `min(floor((i + 0.5) · scale), in − 1)` (never
/// below 0), the float32 operations of TensorFlow's `HalfPixelScalerForNN`.
struct ResizeNearest {
    /// The window of the input that is resized: its first row and column and its size.
    let top: Int, left: Int, height: Int, width: Int
    let outputHeight: Int, outputWidth: Int

    /// Resizes the window of `input` (NHWC, shaped `image`) into `output` (`image.batch`, `outputHeight`, `outputWidth`,
    /// `image.channels`).
    func forward(_ input: Tensor, _ image: ImageShape, into output: Tensor) {
        let rows = Self.sources(from: height, to: outputHeight), columns = Self.sources(from: width, to: outputWidth)
        let channels = image.channels, rowLength = image.width * channels
        for n in 0..<image.batch {
            let window = input.pointer + ((n * image.height + top) * image.width + left) * channels
            for y in 0..<outputHeight {
                let sourceRow = window + rows[y] * rowLength
                let target = output.pointer + (n * outputHeight + y) * outputWidth * channels
                for x in 0..<outputWidth { (target + x * channels).update(from: sourceRow + columns[x] * channels, count: channels) }
            }
        }
    }

    /// TensorFlow's `ResizeNearestNeighborGrad`: each output gradient added to the value its output copied, in float32 in
    /// the same order (batch, row, column), into `inputGradient` (shaped `image`), which is zero outside the window.
    func backward(_ outputGradient: Tensor, _ image: ImageShape, into inputGradient: Tensor) {
        let rows = Self.sources(from: height, to: outputHeight), columns = Self.sources(from: width, to: outputWidth)
        let channels = image.channels, rowLength = image.width * channels
        inputGradient.pointer.update(repeating: 0, count: inputGradient.count)
        for n in 0..<image.batch {
            let window = inputGradient.pointer + ((n * image.height + top) * image.width + left) * channels
            for y in 0..<outputHeight {
                let targetRow = window + rows[y] * rowLength
                let source = outputGradient.pointer + (n * outputHeight + y) * outputWidth * channels
                for x in 0..<outputWidth {
                    let target = targetRow + columns[x] * channels, from = source + x * channels
                    for c in 0..<channels { target[c] += from[c] }
                }
            }
        }
    }

    /// TensorFlow's `compute_indices` with its `HalfPixelScalerForNN`, for one axis of `inputSize` values resized to
    /// `outputSize`: the source of each output.
    static func sources(from inputSize: Int, to outputSize: Int) -> [Int] {
        let scale = Float(inputSize) / Float(outputSize)
        return (0..<outputSize).map { index in
            max(min(Int(((Float(index) + 0.5) * scale).rounded(.down)), inputSize - 1), 0)
        }
    }
}

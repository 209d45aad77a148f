import Tensor

/// Where loaded images become model inputs: the one place images turn into `Tensor`s, for prediction and
/// for training alike.
extension FloatImage {
    /// One channel as Pillow's `convert('L')` computes it from RGB (ITU-R 601-2 luma in 16-bit fixed point),
    /// what Keras' `load_img(color_mode='grayscale')` gives. A gray pixel (r = g = b) keeps its value, fractions
    /// included: a 16-bit X-ray scaled from its significant bits is not rounded to whole levels on the way.
    public func luma() -> FloatImage {
        guard channels == 3 else { return self }
        let count = width * height
        let gray = [Float](unsafeUninitializedCapacity: count) { output, initialized in
            pixels.withUnsafeBufferPointer { rgb in
                for index in 0..<count {
                    let r = rgb[3 * index], g = rgb[3 * index + 1], b = rgb[3 * index + 2]
                    if r == g && g == b {
                        output[index] = r
                    } else {
                        output[index] = Float((Int(r) * 19595 + Int(g) * 38470 + Int(b) * 7471 + 0x8000) >> 16)
                    }
                }
            }
            initialized = count
        }
        return FloatImage(width: width, height: height, channels: 1, pixels: gray)
    }

    /// The image as a batch of one (NHWC) for a model input of `channels` channels (1 takes the luma, 3 the
    /// RGB), preprocessed as the model's weights expect.
    public func modelInput(channels wanted: Int, preprocessing: Preprocessing) throws -> Tensor {
        var image = wanted == 1 ? luma() : self
        guard image.channels == wanted else {
            throw TensorError.shapeMismatch(operation: "model input", detail: "the model takes \(wanted) channel(s), the image has \(image.channels)")
        }
        try preprocessing.apply(to: &image)
        return try Tensor(shape: [1, image.height, image.width, image.channels], values: image.pixels)
    }
}

extension Batch {
    /// The batch's images as one NHWC tensor.
    public func imageTensor() throws -> Tensor {
        try Tensor(shape: [count, height, width, channels], values: images)
    }
}

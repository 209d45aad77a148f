/// What runs on each RGB 0...255 image after augmentation, as `ImageDataGenerator.standardize`.
public enum Preprocessing: Sendable, Equatable, Codable {
    /// Leave the 0...255 values.
    case none
    /// Multiply by a factor: the notebooks' `rescale=1./255`.
    case rescale(Float)
    /// Keras' `preprocess_input` for VGG and ResNet50 ("caffe" mode): RGB to BGR, then subtract the
    /// ImageNet channel means (BGR order).
    case caffe

    public static let notebooks = Preprocessing.rescale(1 / 255)
    static let caffeMeansBGR: [Float] = [103.939, 116.779, 123.68]

    public func apply(to image: inout FloatImage) {
        switch self {
        case .none:
            return
        case .rescale(let factor):
            for index in image.pixels.indices { image.pixels[index] *= factor }
        case .caffe:
            precondition(image.channels == 3, "caffe preprocessing needs RGB images")
            let means = Preprocessing.caffeMeansBGR
            image.pixels.withUnsafeMutableBufferPointer { pixels in
                for start in stride(from: 0, to: pixels.count, by: 3) {
                    let red = pixels[start]
                    pixels[start] = pixels[start + 2] - means[0]
                    pixels[start + 1] -= means[1]
                    pixels[start + 2] = red - means[2]
                }
            }
        }
    }
}

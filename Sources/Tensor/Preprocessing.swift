/// What a model's weights expect done to an image of 0...255 values before its first layer: Keras'
/// `preprocess_input` for the ImageNet applications, or the `rescale` of the notebooks' `ImageDataGenerator`.
///
/// Its text form (`caffe`, `rescale:<factor>`, `none`) is what a converted file's `preprocess` metadata,
/// the registry and the command line use; `Preprocessing(text)` reads it back exactly.
public enum Preprocessing: Sendable, Hashable, LosslessStringConvertible, Codable {
    /// Leave the 0...255 values.
    case none
    /// Multiply by a factor: the notebooks' `rescale=1./255`. Kept as the Double Python wrote, applied in
    /// float32 as NumPy applies a Python float to a float32 array.
    case rescale(Double)
    /// `preprocess_input` of VGG16, VGG19 and ResNet50 (mode "caffe"): RGB to BGR, then subtract the
    /// ImageNet channel means in BGR order (`keras/src/applications/imagenet_utils.py`).
    case caffe

    /// The notebooks' `rescale=1./255`.
    public static let notebooks = Preprocessing.rescale(1.0 / 255.0)
    /// The ImageNet means `preprocess_input` subtracts in caffe mode, in BGR order.
    public static let caffeMeansBGR: [Float] = [103.939, 116.779, 123.68]

    public init?(_ text: String) {
        switch text {
        case "none": self = .none
        case "caffe": self = .caffe
        default:
            guard text.hasPrefix("rescale:"), let factor = Double(text.dropFirst("rescale:".count)), factor.isFinite else { return nil }
            self = .rescale(factor)
        }
    }

    public var description: String {
        switch self {
        case .none: "none"
        case .caffe: "caffe"
        case .rescale(let factor): "rescale:\(factor)"
        }
    }

    /// The forms `Preprocessing(text)` accepts, for messages.
    public static let textForms = "caffe, rescale:<factor> or none"

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Preprocessing(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "preprocessing '\(text)' is not \(Preprocessing.textForms)"))
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Applies in place to interleaved samples (HWC or NHWC) with `channels` per pixel. Caffe mode needs 3.
    public func apply(to samples: UnsafeMutableBufferPointer<Float>, channels: Int) throws {
        switch self {
        case .none:
            return
        case .rescale(let factor):
            let scale = Float(factor)
            for index in samples.indices { samples[index] *= scale }
        case .caffe:
            guard channels == 3 else {
                throw TensorError.invalidArgument(operation: "caffe preprocessing", detail: "needs RGB (3 channels), got \(channels)")
            }
            let means = Preprocessing.caffeMeansBGR
            for start in stride(from: 0, to: samples.count, by: 3) {
                let red = samples[start]
                samples[start] = samples[start + 2] - means[0]
                samples[start + 1] -= means[1]
                samples[start + 2] = red - means[2]
            }
        }
    }

    /// Applies in place to an NHWC tensor.
    public func apply(to tensor: Tensor) throws {
        try apply(to: UnsafeMutableBufferPointer(start: tensor.pointer, count: tensor.count), channels: tensor.shape.last ?? 0)
    }
}

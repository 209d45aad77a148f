/// What a model's weights expect done to an image of 0...255 values before its first layer: Keras'
/// `preprocess_input` for the ImageNet applications, or the `rescale` of the notebooks' `ImageDataGenerator`.
///
/// Its text form (`caffe`, `tf`, `torch`, `rescale:<factor>`, `none`; Keras' own mode names) is what a
/// converted file's `preprocess` metadata, the registry and the command line use; `Preprocessing(text)`
/// reads it back exactly.
public enum Preprocessing: Sendable, Hashable, LosslessStringConvertible, Codable {
    /// Leave the 0...255 values.
    case none
    /// Multiply by a factor: the notebooks' `rescale=1./255`. Kept as the Double Python wrote, applied in
    /// float32 as NumPy applies a Python float to a float32 array.
    case rescale(Double)
    /// `preprocess_input` of VGG16, VGG19 and ResNet50 (mode "caffe"): RGB to BGR, then subtract the
    /// ImageNet channel means in BGR order (`keras/src/applications/imagenet_utils.py`).
    case caffe
    /// `preprocess_input` of ResNet50V2 (mode "tf"): scale to [-1, 1], `x / 127.5 - 1`.
    case tf
    /// `preprocess_input` of DenseNet (mode "torch"): scale to [0, 1], then subtract the ImageNet channel
    /// means and divide by their standard deviations, in RGB order.
    case torch

    /// The notebooks' `rescale=1./255`.
    public static let notebooks = Preprocessing.rescale(1.0 / 255.0)
    /// The ImageNet means `preprocess_input` subtracts in caffe mode, in BGR order.
    public static let caffeMeansBGR: [Float] = [103.939, 116.779, 123.68]
    /// The ImageNet means and standard deviations of torch mode, in RGB order, on the [0, 1] scale.
    public static let torchMeansRGB: [Float] = [0.485, 0.456, 0.406]
    public static let torchDeviationsRGB: [Float] = [0.229, 0.224, 0.225]

    public init?(_ text: String) {
        switch text {
        case "none": self = .none
        case "caffe": self = .caffe
        case "tf": self = .tf
        case "torch": self = .torch
        default:
            guard text.hasPrefix("rescale:"), let factor = Double(text.dropFirst("rescale:".count)), factor.isFinite else { return nil }
            self = .rescale(factor)
        }
    }

    public var description: String {
        switch self {
        case .none: "none"
        case .caffe: "caffe"
        case .tf: "tf"
        case .torch: "torch"
        case .rescale(let factor): "rescale:\(factor)"
        }
    }

    /// The forms `Preprocessing(text)` accepts, for messages.
    public static let textForms = "caffe, tf, torch, rescale:<factor> or none"

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

    /// Applies in place to interleaved samples (HWC or NHWC) with `channels` per pixel. Caffe and torch
    /// modes need 3. Each step is the float32 operation NumPy does in `imagenet_utils.preprocess_input`
    /// (a division stays a division), so the result is bit for bit Keras'.
    public func apply(to samples: UnsafeMutableBufferPointer<Float>, channels: Int) throws {
        switch self {
        case .none:
            return
        case .rescale(let factor):
            let scale = Float(factor)
            for index in samples.indices { samples[index] *= scale }
        case .caffe:
            try requireRGB(channels)
            let means = Preprocessing.caffeMeansBGR
            for start in stride(from: 0, to: samples.count, by: 3) {
                let red = samples[start]
                samples[start] = samples[start + 2] - means[0]
                samples[start + 1] -= means[1]
                samples[start + 2] = red - means[2]
            }
        case .tf:
            for index in samples.indices { samples[index] = samples[index] / 127.5 - 1 }
        case .torch:
            try requireRGB(channels)
            let means = Preprocessing.torchMeansRGB, deviations = Preprocessing.torchDeviationsRGB
            for index in samples.indices {
                let channel = index % 3
                samples[index] = (samples[index] / 255 - means[channel]) / deviations[channel]
            }
        }
    }

    private func requireRGB(_ channels: Int) throws {
        guard channels == 3 else {
            throw TensorError.invalidArgument(operation: "\(self) preprocessing", detail: "needs RGB (3 channels), got \(channels)")
        }
    }

    /// Applies in place to an NHWC tensor.
    public func apply(to tensor: Tensor) throws {
        try apply(to: UnsafeMutableBufferPointer(start: tensor.pointer, count: tensor.count), channels: tensor.shape.last ?? 0)
    }
}

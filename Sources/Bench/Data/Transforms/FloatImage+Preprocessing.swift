import Tensor

extension Preprocessing {
    /// Applies to one image after augmentation, as `ImageDataGenerator.standardize` does.
    public func apply(to image: inout FloatImage) throws {
        let channels = image.channels
        try image.pixels.withUnsafeMutableBufferPointer { try apply(to: $0, channels: channels) }
    }
}

/// Keras `Resizing(height, width, interpolation, crop_to_aspect_ratio)`: an `(N, H, W, C)` input to `(N, height, width, C)`,
/// computed as Keras 3's TensorFlow backend does (`backend/tensorflow/image.py`, `resize`; docs/keras-numerics.md §2.2):
/// `tf.image.resize` without antialiasing, which is TensorFlow's `ResizeBilinear` (`ResizeBilinear`) or
/// `ResizeNearestNeighbor` (`ResizeNearest`), both with half-pixel centres. With `crop_to_aspect_ratio` the image is
/// first cut to its largest centred window of the target's aspect ratio (`AspectRatioWindow`, in float32 as the backend
/// computes it), so it is resized without distortion.
public struct Resizing: Sendable {
    /// The interpolations that are computed as TensorFlow does; Keras' others (bicubic, area, lanczos3, lanczos5) are not.
    public enum Interpolation: String, Sendable, CaseIterable {
        case bilinear
        case nearest
    }

    public let height: Int, width: Int
    public let interpolation: Interpolation
    public let cropToAspectRatio: Bool

    public init(height: Int, width: Int, interpolation: Interpolation, cropToAspectRatio: Bool) throws {
        guard height > 0, width > 0 else {
            throw TensorError.invalidArgument(operation: "resizing", detail: "the target \(height)x\(width) must be positive")
        }
        (self.height, self.width) = (height, width)
        self.interpolation = interpolation
        self.cropToAspectRatio = cropToAspectRatio
    }

    /// The resize of `image`: its window (all of it, or its centred window of the target's aspect ratio) to the target.
    private func resize(_ image: ImageShape, operation: String) throws -> any WindowResize {
        guard image.height > 0, image.width > 0 else {
            throw TensorError.shapeMismatch(operation: operation, detail: "the input is \(image.height)x\(image.width): nothing to resize")
        }
        let box = cropToAspectRatio
            ? AspectRatioWindow(imageHeight: image.height, imageWidth: image.width, targetHeight: height, targetWidth: width, arithmetic: .float32)
            : AspectRatioWindow(top: 0, left: 0, height: image.height, width: image.width)
        switch interpolation {
        case .bilinear:
            return ResizeBilinear(top: box.top, left: box.left, height: box.height, width: box.width, outputHeight: height, outputWidth: width)
        case .nearest:
            return ResizeNearest(top: box.top, left: box.left, height: box.height, width: box.width, outputHeight: height, outputWidth: width)
        }
    }

    /// The output image for an input image.
    private func resized(_ image: ImageShape) -> ImageShape {
        ImageShape(batch: image.batch, height: height, width: width, channels: image.channels)
    }

    public func outputShape(for input: Tensor) throws -> [Int] {
        try resized(ImageShape(input, operation: "resizing")).dimensions
    }

    public func forward(_ input: Tensor, into output: Tensor) throws {
        let image = try ImageShape(input, operation: "resizing")
        try resized(image).require(output, operation: "resizing")
        try input.requireDistinct(from: output, operation: "resizing")
        try resize(image, operation: "resizing").forward(input, image, into: output)
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let output = try Tensor(shape: outputShape(for: input))
        try forward(input, into: output)
        return output
    }

    /// The gradient with respect to the input, as TensorFlow differentiates the forward pass: `ResizeBilinearGrad` or
    /// `ResizeNearestNeighborGrad` inside the window, zeros outside it (the gradient of the crop's slice).
    public func backward(outputGradient: Tensor, into inputGradient: Tensor) throws {
        let image = try ImageShape(inputGradient, operation: "resizing backward")
        try resized(image).require(outputGradient, operation: "resizing backward", role: "output gradient")
        try outputGradient.requireDistinct(from: inputGradient, operation: "resizing backward", role: "output gradient")
        try resize(image, operation: "resizing backward").backward(outputGradient, image, into: inputGradient)
    }
}

/// What the two interpolations share: a window of an image resized, forward and backward.
protocol WindowResize {
    func forward(_ input: Tensor, _ image: ImageShape, into output: Tensor)
    func backward(_ outputGradient: Tensor, _ image: ImageShape, into inputGradient: Tensor)
}

extension ResizeBilinear: WindowResize {}
extension ResizeNearest: WindowResize {}

/// Keras `Cropping2D` and `CenterCrop`: a window of the input's rows and columns, every channel kept. The window is
/// copied (an NHWC window is contiguous only when it spans whole rows); the backward pass pads the output gradient
/// back to the input's size with zeros, as TensorFlow's gradient of the slice does.
public struct Cropping2D: Sendable {
    /// How the window is chosen.
    public enum Window: Sendable, Equatable {
        /// `Cropping2D(((top, bottom), (left, right)))`: rows off the top and bottom, columns off the left and right.
        case margins(top: Int, bottom: Int, left: Int, right: Int)
        /// `CenterCrop(height, width)`: the middle `height` x `width`, starting at `(size - target) // 2`, so an odd
        /// difference leaves the extra row (column) at the bottom (right). Keras resizes an input smaller than the
        /// target instead (`smart_resize`): refused here.
        case centered(height: Int, width: Int)
    }

    public let window: Window

    public init(_ window: Window) throws {
        switch window {
        case .margins(let top, let bottom, let left, let right):
            guard top >= 0, bottom >= 0, left >= 0, right >= 0 else {
                throw TensorError.invalidArgument(operation: "cropping2d", detail: "cropping must not be negative")
            }
        case .centered(let height, let width):
            guard height > 0, width > 0 else {
                throw TensorError.invalidArgument(operation: "center_crop", detail: "the target \(height)x\(width) must be positive")
            }
        }
        self.window = window
    }

    private var operation: String {
        if case .centered = window { return "center_crop" }
        return "cropping2d"
    }

    /// The window in `image`: its first row and column and its size.
    private func region(of image: ImageShape, operation: String) throws -> (top: Int, left: Int, height: Int, width: Int) {
        switch window {
        case .margins(let top, let bottom, let left, let right):
            guard top + bottom < image.height, left + right < image.width else {
                throw TensorError.shapeMismatch(operation: operation, detail: "crops \(top + bottom) of \(image.height) rows and \(left + right) "
                                                + "of \(image.width) columns; Keras needs fewer than the input has")
            }
            return (top, left, image.height - top - bottom, image.width - left - right)
        case .centered(let height, let width):
            guard height <= image.height, width <= image.width else {
                throw TensorError.shapeMismatch(operation: operation, detail: "the input is \(image.height)x\(image.width), smaller than the "
                                                + "\(height)x\(width) target; Keras resizes such an input (smart_resize), which Zoo does not")
            }
            return ((image.height - height) / 2, (image.width - width) / 2, height, width)
        }
    }

    public func outputShape(for input: Tensor) throws -> [Int] {
        let image = try ImageShape(input, operation: operation)
        let region = try region(of: image, operation: operation)
        return [image.batch, region.height, region.width, image.channels]
    }

    public func forward(_ input: Tensor, into output: Tensor) throws {
        let image = try ImageShape(input, operation: operation)
        let region = try region(of: image, operation: operation)
        try ImageShape(batch: image.batch, height: region.height, width: region.width, channels: image.channels).require(output, operation: operation)
        try input.requireDistinct(from: output, operation: operation)
        let rowLength = region.width * image.channels
        for n in 0..<image.batch {
            for row in 0..<region.height {
                let source = input.pointer + ((n * image.height + region.top + row) * image.width + region.left) * image.channels
                (output.pointer + (n * region.height + row) * rowLength).update(from: source, count: rowLength)
            }
        }
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let output = try Tensor(shape: outputShape(for: input))
        try forward(input, into: output)
        return output
    }

    /// The gradient with respect to the input: the output gradient inside the window, zeros around it.
    public func backward(outputGradient: Tensor, into inputGradient: Tensor) throws {
        let operation = self.operation + " backward"
        let image = try ImageShape(inputGradient, operation: operation)
        let region = try region(of: image, operation: operation)
        try ImageShape(batch: image.batch, height: region.height, width: region.width, channels: image.channels)
            .require(outputGradient, operation: operation, role: "output gradient")
        try outputGradient.requireDistinct(from: inputGradient, operation: operation, role: "output gradient")
        let rowLength = region.width * image.channels
        inputGradient.pointer.update(repeating: 0, count: inputGradient.count)
        for n in 0..<image.batch {
            for row in 0..<region.height {
                let target = inputGradient.pointer + ((n * image.height + region.top + row) * image.width + region.left) * image.channels
                target.update(from: outputGradient.pointer + (n * region.height + row) * rowLength, count: rowLength)
            }
        }
    }
}

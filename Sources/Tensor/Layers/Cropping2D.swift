/// Keras `Cropping2D` and `CenterCrop`: a window of the input's rows and columns, every channel kept. The window is
/// copied (an NHWC window is contiguous only when it spans whole rows); the backward pass pads the output gradient
/// back to the input's size with zeros, as TensorFlow's gradient of the slice does. CenterCrop resizes an input smaller
/// than its target instead, as Keras does.
public struct Cropping2D: Sendable {
    /// How the window is chosen.
    public enum Window: Sendable, Equatable {
        /// `Cropping2D(((top, bottom), (left, right)))`: rows off the top and bottom, columns off the left and right.
        case margins(top: Int, bottom: Int, left: Int, right: Int)
        /// `CenterCrop(height, width)`: the middle `height` x `width`, starting at `(size - target) // 2`, so an odd
        /// difference leaves the extra row (column) at the bottom (right). An input smaller than the target in either
        /// size is resized instead, by Keras' `smart_resize`: the largest centred box of the target's aspect ratio,
        /// resized to the target by TensorFlow's bilinear resize (`ResizeBilinear`).
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

    /// What the layer does to one input: copy a window of it, or resize a box of it.
    private enum Plan {
        case copy(top: Int, left: Int, height: Int, width: Int)
        case resize(ResizeBilinear)

        var outputSize: (height: Int, width: Int) {
            switch self {
            case .copy(_, _, let height, let width): (height, width)
            case .resize(let resize): (resize.outputHeight, resize.outputWidth)
            }
        }
    }

    private func plan(for image: ImageShape, operation: String) throws -> Plan {
        switch window {
        case .margins(let top, let bottom, let left, let right):
            guard top + bottom < image.height, left + right < image.width else {
                throw TensorError.shapeMismatch(operation: operation, detail: "crops \(top + bottom) of \(image.height) rows and \(left + right) "
                                                + "of \(image.width) columns; Keras needs fewer than the input has")
            }
            return .copy(top: top, left: left, height: image.height - top - bottom, width: image.width - left - right)
        case .centered(let height, let width) where height <= image.height && width <= image.width:
            return .copy(top: (image.height - height) / 2, left: (image.width - width) / 2, height: height, width: width)
        case .centered(let height, let width):
            guard image.height > 0, image.width > 0 else {
                throw TensorError.shapeMismatch(operation: operation, detail: "the input is \(image.height)x\(image.width): nothing to resize")
            }
            // smart_resize's box, in Python's float arithmetic.
            let box = AspectRatioWindow(imageHeight: image.height, imageWidth: image.width, targetHeight: height, targetWidth: width,
                                        arithmetic: .double)
            return .resize(ResizeBilinear(top: box.top, left: box.left, height: box.height, width: box.width,
                                          outputHeight: height, outputWidth: width))
        }
    }

    public func outputShape(for input: Tensor) throws -> [Int] {
        let image = try ImageShape(input, operation: operation)
        let size = try plan(for: image, operation: operation).outputSize
        return [image.batch, size.height, size.width, image.channels]
    }

    public func forward(_ input: Tensor, into output: Tensor) throws {
        let image = try ImageShape(input, operation: operation)
        let plan = try plan(for: image, operation: operation)
        let size = plan.outputSize
        try ImageShape(batch: image.batch, height: size.height, width: size.width, channels: image.channels).require(output, operation: operation)
        try input.requireDistinct(from: output, operation: operation)
        switch plan {
        case .copy(let top, let left, let height, let width):
            let rowLength = width * image.channels
            for n in 0..<image.batch {
                for row in 0..<height {
                    let source = input.pointer + ((n * image.height + top + row) * image.width + left) * image.channels
                    (output.pointer + (n * height + row) * rowLength).update(from: source, count: rowLength)
                }
            }
        case .resize(let resize):
            resize.forward(input, image, into: output)
        }
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let output = try Tensor(shape: outputShape(for: input))
        try forward(input, into: output)
        return output
    }

    /// The gradient with respect to the input: the output gradient inside the window, zeros around it; for a resized
    /// input, TensorFlow's `ResizeBilinearGrad` inside the box, zeros around it.
    public func backward(outputGradient: Tensor, into inputGradient: Tensor) throws {
        let operation = self.operation + " backward"
        let image = try ImageShape(inputGradient, operation: operation)
        let plan = try plan(for: image, operation: operation)
        let size = plan.outputSize
        try ImageShape(batch: image.batch, height: size.height, width: size.width, channels: image.channels)
            .require(outputGradient, operation: operation, role: "output gradient")
        try outputGradient.requireDistinct(from: inputGradient, operation: operation, role: "output gradient")
        switch plan {
        case .copy(let top, let left, let height, let width):
            let rowLength = width * image.channels
            inputGradient.pointer.update(repeating: 0, count: inputGradient.count)
            for n in 0..<image.batch {
                for row in 0..<height {
                    let target = inputGradient.pointer + ((n * image.height + top + row) * image.width + left) * image.channels
                    target.update(from: outputGradient.pointer + (n * height + row) * rowLength, count: rowLength)
                }
            }
        case .resize(let resize):
            resize.backward(outputGradient, image, into: inputGradient)
        }
    }
}

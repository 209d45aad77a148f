/// Keras `ZeroPadding2D(((top, bottom), (left, right)))`: pads H and W with zeros (ResNet's stem).
public struct ZeroPadding2D: Sendable {
    public let top: Int, bottom: Int, left: Int, right: Int

    public init(top: Int, bottom: Int, left: Int, right: Int) throws {
        guard top >= 0, bottom >= 0, left >= 0, right >= 0 else {
            throw TensorError.invalidArgument(operation: "zero_padding2d", detail: "padding must not be negative")
        }
        self.top = top; self.bottom = bottom; self.left = left; self.right = right
    }

    public func outputShape(for input: Tensor) throws -> [Int] {
        let image = try ImageShape(input, operation: "zero_padding2d")
        return [image.batch, image.height + top + bottom, image.width + left + right, image.channels]
    }

    public func forward(_ input: Tensor, into output: Tensor) throws {
        let image = try ImageShape(input, operation: "zero_padding2d")
        let outputWidth = image.width + left + right, outputHeight = image.height + top + bottom
        try ImageShape(batch: image.batch, height: outputHeight, width: outputWidth, channels: image.channels)
            .require(output, operation: "zero_padding2d")
        try input.requireDistinct(from: output, operation: "zero_padding2d")
        let rowLength = image.width * image.channels
        output.pointer.update(repeating: 0, count: output.count)
        for n in 0..<image.batch {
            for row in 0..<image.height {
                let source = input.pointer + (n * image.height + row) * rowLength
                let target = output.pointer + ((n * outputHeight + row + top) * outputWidth + left) * image.channels
                target.update(from: source, count: rowLength)
            }
        }
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let output = try Tensor(shape: outputShape(for: input))
        try forward(input, into: output)
        return output
    }
}

extension ZeroPadding2D {
    /// The gradient with respect to the input: the output gradient cropped to the unpadded region.
    public func backward(outputGradient: Tensor, into inputGradient: Tensor) throws {
        let image = try ImageShape(inputGradient, operation: "zero_padding2d backward")
        let outputWidth = image.width + left + right, outputHeight = image.height + top + bottom
        try ImageShape(batch: image.batch, height: outputHeight, width: outputWidth, channels: image.channels)
            .require(outputGradient, operation: "zero_padding2d backward", role: "output gradient")
        try outputGradient.requireDistinct(from: inputGradient, operation: "zero_padding2d backward", role: "output gradient")
        let rowLength = image.width * image.channels
        for n in 0..<image.batch {
            for row in 0..<image.height {
                let source = outputGradient.pointer + ((n * outputHeight + row + top) * outputWidth + left) * image.channels
                (inputGradient.pointer + (n * image.height + row) * rowLength).update(from: source, count: rowLength)
            }
        }
    }
}

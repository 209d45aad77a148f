/// Keras/TensorFlow padding modes for windowed operations (convolution and pooling).
public enum Padding: String, Sendable {
    /// No padding: `out = floor((in - effectiveKernel) / stride) + 1`.
    case valid
    /// TensorFlow `'same'`: `out = ceil(in / stride)`; the odd padded pixel goes to the bottom/right,
    /// unlike PyTorch and Caffe (TensorFlow's `GetWindowedOutputSizeVerbose`; docs/keras-numerics.md §1).
    case same
}

/// Zero rows and columns around a layer's input that its window reads as pixels: a Keras `ZeroPadding2D` folded into
/// the layer that reads it, so the padded copy of the image is never written (the fused mode's stems and strided blocks).
public struct ZeroPadding: Sendable, Equatable {
    public let top: Int, bottom: Int, left: Int, right: Int
    public static let none = ZeroPadding(top: 0, bottom: 0, left: 0, right: 0)

    public init(top: Int, bottom: Int, left: Int, right: Int) {
        self.top = top; self.bottom = bottom; self.left = left; self.right = right
    }

    var isNegative: Bool { min(top, bottom, left, right) < 0 }
}

/// Where a sliding window lands along one spatial axis: the output length and the padding before it.
public struct WindowAxis: Equatable, Sendable {
    public let input: Int, kernel: Int, stride: Int, dilation: Int
    public let output: Int
    /// Padded positions before the first input element (top or left).
    public let padBefore: Int
    /// Padded positions after the last input element (bottom or right; TF puts the extra one here).
    public let padAfter: Int

    /// `zerosBefore` and `zerosAfter` are zeros around the input (a folded `ZeroPadding2D`): the window and its
    /// padding rule see the input with them, and the kernels read them as padding.
    public init(input: Int, kernel: Int, stride: Int, dilation: Int, padding: Padding, zerosBefore: Int = 0, zerosAfter: Int = 0) {
        self.input = input; self.kernel = kernel; self.stride = stride; self.dilation = dilation
        let effectiveKernel = (kernel - 1) * dilation + 1
        let extent = input + zerosBefore + zerosAfter
        switch padding {
        case .valid:
            output = extent >= effectiveKernel ? (extent - effectiveKernel) / stride + 1 : 0
            padBefore = zerosBefore
            padAfter = zerosAfter
        case .same:
            output = (extent + stride - 1) / stride
            let total = max((output - 1) * stride + effectiveKernel - extent, 0)
            padBefore = total / 2 + zerosBefore
            padAfter = total - total / 2 + zerosAfter
        }
    }

    /// The axis of the transposed window of a stride-1 window, which reads the output positions back onto the input:
    /// it is padded by what the forward window's reach left over ((kernel - 1) x dilation - padBefore before). A stride-1
    /// convolution's input gradient is the convolution of the output gradient with the kernel turned 180 degrees over
    /// this axis: input position i received tap k from output position i + padBefore - k x dilation.
    var transposedUnitStride: WindowAxis {
        precondition(stride == 1, "only a stride-1 window transposes into a window")
        let reach = (kernel - 1) * dilation
        return WindowAxis(input: output, kernel: kernel, dilation: dilation, output: input,
                          padBefore: reach - padBefore, padAfter: reach - padAfter)
    }

    private init(input: Int, kernel: Int, dilation: Int, output: Int, padBefore: Int, padAfter: Int) {
        self.input = input; self.kernel = kernel; self.stride = 1; self.dilation = dilation
        self.output = output; self.padBefore = padBefore; self.padAfter = padAfter
    }

    /// The input coordinate read by output position `o` at kernel tap `k` (may fall in the padding).
    @inline(__always) func inputIndex(output o: Int, tap k: Int) -> Int { o &* stride &+ k &* dilation &- padBefore }

    /// The taps of output position `o` that land inside the input (the others read padding zeros), dilation counted.
    @inline(__always) func taps(output o: Int) -> Range<Int> {
        let start = o &* stride &- padBefore   // where tap 0 lands
        let first = start >= 0 ? 0 : (dilation &- 1 &- start) / dilation
        let end = start >= input ? 0 : min(kernel, (input &- 1 &- start) / dilation &+ 1)
        return first..<max(first, end)
    }

    /// The output position whose tap `k` reads input coordinate `i`, or nil when none does (the transposed
    /// `inputIndex`, for gathering gradients).
    @inline(__always) func outputIndex(input i: Int, tap k: Int) -> Int? {
        let shifted = i &+ padBefore &- k &* dilation
        guard shifted >= 0, shifted % stride == 0, shifted / stride < output else { return nil }
        return shifted / stride
    }
}

/// The geometry of a 2-D window (height and width axes), validated once from public attributes.
struct WindowGeometry: Equatable {
    let rows: WindowAxis
    let columns: WindowAxis

    /// The transposed geometry of a stride-1 window (`WindowAxis.transposedUnitStride` on both axes).
    var transposedUnitStride: WindowGeometry {
        WindowGeometry(rows: rows.transposedUnitStride, columns: columns.transposedUnitStride)
    }

    private init(rows: WindowAxis, columns: WindowAxis) {
        self.rows = rows
        self.columns = columns
    }

    /// Kernel size, strides and dilation are positive: `Conv2D` and `Pool2D` check them when they are made.
    init(operation: String, input: ImageShape, kernel: (Int, Int), strides: (Int, Int), dilation: (Int, Int), padding: Padding,
         zeroPadding: ZeroPadding = .none) throws {
        rows = WindowAxis(input: input.height, kernel: kernel.0, stride: strides.0, dilation: dilation.0, padding: padding,
                          zerosBefore: zeroPadding.top, zerosAfter: zeroPadding.bottom)
        columns = WindowAxis(input: input.width, kernel: kernel.1, stride: strides.1, dilation: dilation.1, padding: padding,
                             zerosBefore: zeroPadding.left, zerosAfter: zeroPadding.right)
        guard rows.output > 0, columns.output > 0 else {
            throw TensorError.shapeMismatch(operation: operation,
                                            detail: "input \(input.height)x\(input.width) is smaller than the \(kernel) window with 'valid' padding")
        }
    }

    /// The image shape of a convolution's `input` (its `role` in `operation`, for messages), checked to have the
    /// kernel's `channels`, and the window geometry over it.
    static func convolution(_ input: Tensor, channels: Int, kernel: (Int, Int), strides: (Int, Int), dilation: (Int, Int),
                            padding: Padding, zeroPadding: ZeroPadding, operation: String, role: String) throws -> (ImageShape, WindowGeometry) {
        let image = try ImageShape(input, operation: operation)
        guard image.channels == channels else {
            throw TensorError.shapeMismatch(operation: operation, detail: "\(role) has \(image.channels) channels, kernel expects \(channels)")
        }
        let geometry = try WindowGeometry(operation: operation, input: image, kernel: kernel, strides: strides, dilation: dilation,
                                          padding: padding, zeroPadding: zeroPadding)
        return (image, geometry)
    }
}

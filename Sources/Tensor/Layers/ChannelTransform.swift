#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keras' preprocessing layers that change each channel (the last axis) by fixed values: `Normalization` and
/// `Rescaling`. Each is computed operation for operation as Keras' TensorFlow backend computes it, in float32, so
/// the outputs are Keras' bit for bit:
/// - `Normalization`: `(x - mean) / max(sqrt(variance), 1e-7)`; with `invert=True`, `mean + x * max(sqrt(variance), 1e-7)`;
/// - `Rescaling`: `x * scale + offset`.
/// Every value list holds one value for all channels or one per channel, as Keras broadcasts them.
public struct ChannelTransform: Sendable {
    public enum Form: Sendable {
        case normalize
        case denormalize
        case rescale
    }

    public let form: Form
    /// `mean` (normalize, denormalize) or `scale` (rescale).
    let first: [Float]
    /// `max(sqrt(variance), epsilon)` (normalize, denormalize) or `offset` (rescale).
    let second: [Float]
    /// `first` and `second` per channel, repeated over a whole number of both channels and 16-lane vectors (`forward`).
    private let repeatedFirst: [Float], repeatedSecond: [Float]

    /// Keras' `backend.epsilon()`, the floor of the standard deviation Normalization divides by.
    public static let epsilon: Float = 1e-7

    /// Keras `Normalization` with the adapted or given `mean` and `variance`.
    public static func normalization(mean: [Float], variance: [Float], invert: Bool) throws -> ChannelTransform {
        try ChannelTransform(invert ? .denormalize : .normalize, mean, variance.map { max(sqrtf($0), epsilon) })
    }

    /// Keras `Rescaling`.
    public static func rescaling(scale: [Float], offset: [Float]) throws -> ChannelTransform {
        try ChannelTransform(.rescale, scale, offset)
    }

    private init(_ form: Form, _ first: [Float], _ second: [Float]) throws {
        guard !first.isEmpty, !second.isEmpty else {
            throw TensorError.invalidArgument(operation: Self.operation(form), detail: "needs at least one value")
        }
        self.form = form
        self.first = first
        self.second = second
        // One value per channel for one of them fixes the channel count; single values fit any.
        let channels = max(first.count, second.count)
        var (divisor, remainder) = (channels, 16)
        while remainder != 0 { (divisor, remainder) = (remainder, divisor % remainder) }
        let a = Self.perChannel(first, channels), b = Self.perChannel(second, channels)
        repeatedFirst = (0..<channels / divisor * 16).map { a[$0 % channels] }
        repeatedSecond = (0..<channels / divisor * 16).map { b[$0 % channels] }
    }

    /// `output` may be `input`. The per-channel values, laid out repeated over a whole number of both channels and
    /// 16-lane vectors when the transform is made, let the pass run 16 lanes at a time over the flat tensor whatever
    /// the channel count (an RGB image has 3, and one pixel at a time took EfficientNetB0's two input layers about
    /// 0.4-0.6 ms at batch 1); each element still goes through the same float32 operations.
    public func forward(_ input: Tensor, into output: Tensor) throws {
        _ = try channels(of: input, operation: Self.operation(form))
        try output.requireShape(input.shape, operation: Self.operation(form))
        // Whole periods to each worker, so every element meets the same repeated values.
        let (first, second, form) = (repeatedFirst, repeatedSecond, form)
        let source = SendablePointer(UnsafeMutablePointer(mutating: input.pointer)), target = SendablePointer(output.pointer)
        splitAcrossWorkers(input.count, granule: first.count, parallelFrom: 1 << 15) { range in
            let x = source.pointer + range.lowerBound, y = target.pointer + range.lowerBound
            first.withUnsafeBufferPointer { a in
                second.withUnsafeBufferPointer { b in
                    switch form {
                    case .normalize: Self.transform(x, into: y, count: range.count, a, b) { ($0 - $1) / $2 }
                    case .denormalize: Self.transform(x, into: y, count: range.count, a, b) { $1 + $0 * $2 }
                    case .rescale: Self.transform(x, into: y, count: range.count, a, b) { $0 * $1 + $2 }
                    }
                }
            }
        }
    }

    /// `y[i] = f(x[i], a[i % period], b[i % period])` with `period` = `a.count` = `b.count`, a multiple of 16.
    @inline(__always)
    private static func transform(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int,
                                  _ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>,
                                  _ f: (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>) {
        let period = a.count, a = a.baseAddress!, b = b.baseAddress!
        var start = 0
        while start < count {
            let length = min(period, count &- start), x = x + start, y = y + start
            var i = 0
            while i &+ 16 <= length {
                store16(f(load16(x + i), load16(a + i), load16(b + i)), y + i)
                i &+= 16
            }
            while i < length {
                y[i] = f(SIMD16(repeating: x[i]), SIMD16(repeating: a[i]), SIMD16(repeating: b[i]))[0]
                i &+= 1
            }
            start &+= period
        }
    }

    /// The gradient with respect to the input, as TensorFlow differentiates the same operations: `dy / std`,
    /// `dy * std` or `dy * scale`. None of the values is trained. `inputGradient` may be `outputGradient`.
    public func inputGradient(_ outputGradient: Tensor, into inputGradient: Tensor) throws {
        let operation = Self.operation(form) + " backward"
        let channels = try self.channels(of: outputGradient, operation: operation)
        try inputGradient.requireShape(outputGradient.shape, operation: operation, role: "input gradient")
        let factor = Self.perChannel(form == .rescale ? first : second, channels)
        factor.withUnsafeBufferPointer { factor in
            for row in 0..<(outputGradient.count / channels) {
                let dy = outputGradient.pointer + row * channels, dx = inputGradient.pointer + row * channels
                if form == .normalize { for c in 0..<channels { dx[c] = dy[c] / factor[c] } }
                else { for c in 0..<channels { dx[c] = dy[c] * factor[c] } }
            }
        }
    }

    private func channels(of tensor: Tensor, operation: String) throws -> Int {
        let channels = tensor.rank >= 1 ? tensor.shape[tensor.rank - 1] : 0
        guard channels > 0, [1, channels].contains(first.count), [1, channels].contains(second.count) else {
            throw TensorError.shapeMismatch(operation: operation, detail: "input \(tensor.shape) against \(first.count) and \(second.count) "
                                            + "values: each must be one, or one per channel")
        }
        return channels
    }

    private static func perChannel(_ values: [Float], _ channels: Int) -> [Float] {
        values.count == channels ? values : Array(repeating: values[0], count: channels)
    }

    private static func operation(_ form: Form) -> String { form == .rescale ? "rescaling" : "normalization" }
}

import Converter
import Foundation
import Tensor

/// Deliberately wrong backward passes, for proving that `zoo verify --gradients` catches a real gradient bug
/// and names where it shows. Each is a classic mistake of a hand-written backward pass; the forward pass stays
/// right, so only the gradients can reveal it. Chosen by the environment variable `ZOO_BACKWARD_FAULT`, which
/// is read here and nowhere else; it is never set in normal use. `TrainingModel` asks the fault for the two
/// values it may change and otherwise runs the ordinary kernels.
public enum BackwardFault: String, Sendable, CaseIterable {
    /// Every convolution's input gradient is computed with its kernel not rotated by 180°: the forward
    /// correlation's taps are applied to the output gradient as they are, instead of mirrored (a 1x1 kernel is
    /// its own mirror image, so 1x1 convolutions stay right). The convolution's own weight gradient is right;
    /// the error shows in the gradients of whatever lies below it.
    case unflippedConvKernel = "unflipped-conv-kernel"
    /// BatchNormalization's training backward (the one through batch statistics) uses the Bessel-corrected
    /// variance `n/(n-1) σ²` where the forward pass normalised by the biased `σ²`: the normalised input it
    /// rebuilds is off by `sqrt((n-1)/n)`, so gamma's gradient is wrong at the layer itself (and beta's, the
    /// plain sum of the output gradient, is not), and so is the input gradient below it.
    case bnUnbiasedVariance = "bn-unbiased-variance"

    public static let environmentVariable = "ZOO_BACKWARD_FAULT"

    /// The fault `ZOO_BACKWARD_FAULT` asks for, nil when it is unset or empty.
    public static func fromEnvironment() throws -> BackwardFault? {
        guard let value = ProcessInfo.processInfo.environment[environmentVariable], !value.isEmpty else { return nil }
        guard let fault = BackwardFault(rawValue: value) else {
            throw ModelError("\(environmentVariable)=\(value) is not a known backward fault (\(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return fault
    }

    /// The kernel `layer`'s input gradient should be computed with instead of its own `kernel` (HWIO), nil where
    /// the fault leaves it alone. `Conv2D.inputGradient` rotates the kernel it is given by 180°; handing it the
    /// kernel already rotated cancels that, so the gradient is computed with the taps unrotated.
    func inputGradientKernel(_ kernel: Tensor, of layer: Layer) throws -> Tensor? {
        guard self == .unflippedConvKernel, layer.op == .conv2d else { return nil }
        guard kernel.rank == 4 else {
            throw TensorError.shapeMismatch(operation: rawValue, detail: "kernel \(kernel.shape) is not (height, width, in, out)")
        }
        let (height, width, taps) = (kernel.shape[0], kernel.shape[1], kernel.shape[2] * kernel.shape[3])
        let rotated = try Tensor(shape: kernel.shape)
        for row in 0..<height {
            for column in 0..<width {
                let source = kernel.pointer + (row * width + column) * taps
                let target = rotated.pointer + ((height - 1 - row) * width + (width - 1 - column)) * taps
                target.update(from: source, count: taps)
            }
        }
        return rotated
    }

    /// The variance BatchNormalization's training backward should use instead of the batch's biased `variance`
    /// of `input` (channels last), nil where the fault leaves it alone.
    func batchBackwardVariance(_ variance: [Float], of input: Tensor) -> [Float]? {
        guard self == .bnUnbiasedVariance, !variance.isEmpty else { return nil }
        let samples = Float(input.count / variance.count)
        return variance.map { $0 * samples / (samples - 1) }
    }
}

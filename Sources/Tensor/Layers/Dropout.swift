/// Keras `Dropout`: the identity at inference. The rate is kept for the training pass to come.
public struct Dropout: Sendable {
    public let rate: Float

    public init(rate: Float) throws {
        guard rate >= 0, rate < 1 else { throw TensorError.invalidArgument(operation: "dropout", detail: "rate \(rate) must be in [0, 1)") }
        self.rate = rate
    }

    /// The input itself: an executor can alias the output to it and skip the layer.
    public func callAsFunction(_ input: Tensor) -> Tensor { input }
}

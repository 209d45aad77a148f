import Tensor

/// One batch as the fit loop consumes it: the model's inputs, what the loss compares its output with, and per
/// sample loss weights (class weights turned into sample weights), if any.
public struct TrainingBatch {
    /// One tensor per model input, in the graph's input order (an image; or an image and its metadata, side by side).
    public let inputs: [Tensor]
    public let target: LossTarget
    public let sampleWeights: [Float]?

    public init(inputs: [Tensor], target: LossTarget, sampleWeights: [Float]? = nil) {
        self.inputs = inputs
        self.target = target
        self.sampleWeights = sampleWeights
    }

    /// A batch for a model of one input.
    public init(inputs: Tensor, target: LossTarget, sampleWeights: [Float]? = nil) {
        self.init(inputs: [inputs], target: target, sampleWeights: sampleWeights)
    }
}

/// Where the fit loop's batches come from, as Keras' fit sees a Python generator: an endless stream, consumed
/// in order, never rewound by the loop. Training never reads images itself (it never imports Bench): the
/// command line adapts its batch stream to this.
public protocol TrainingBatches {
    mutating func next() throws -> TrainingBatch
    /// Moves past `count` batches as if `next` had been called that often: a resumed run continues the stream
    /// where the interrupted one stopped. A stream whose batches follow from their position alone (shuffle order
    /// and augmentation drawn from the seed, the pass and the place) jumps there without building them.
    mutating func skip(_ count: Int) throws
}

extension TrainingBatches {
    /// Builds and drops the batches: right for any stream, and what a stream that cannot jump does.
    public mutating func skip(_ count: Int) throws {
        for _ in 0..<count { _ = try next() }
    }
}

import Tensor

/// One batch as the fit loop consumes it: the model's input, what the loss compares its output with, and per
/// sample loss weights (class weights turned into sample weights), if any.
public struct TrainingBatch {
    public let inputs: Tensor
    public let target: LossTarget
    public let sampleWeights: [Float]?

    public init(inputs: Tensor, target: LossTarget, sampleWeights: [Float]? = nil) {
        self.inputs = inputs
        self.target = target
        self.sampleWeights = sampleWeights
    }
}

/// Where the fit loop's batches come from, as Keras' fit sees a Python generator: an endless stream, consumed
/// in order, never rewound by the loop. Training never reads images itself (it never imports Bench): the
/// command line adapts its batch stream to this.
public protocol TrainingBatches {
    mutating func next() throws -> TrainingBatch
}

import Tensor
import Training

/// Bench's batch stream as the fit loop's source: images as an NHWC tensor, labels one-hot (Keras'
/// `class_mode='categorical'`), class weights as sample weights.
public struct StreamedBatches: TrainingBatches {
    public let stream: BatchStream

    public init(stream: BatchStream) { self.stream = stream }

    public mutating func skip(_ count: Int) throws {
        stream.skip(count)
    }

    public mutating func next() throws -> TrainingBatch {
        let batch = try stream.next()
        let labels = try Tensor(shape: [batch.count, batch.classCount], values: batch.oneHotLabels)
        return TrainingBatch(inputs: try batch.imageTensor(), target: .dense(labels), sampleWeights: batch.sampleWeights)
    }
}

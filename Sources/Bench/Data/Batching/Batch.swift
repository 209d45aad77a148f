/// One batch as the training loop consumes it.
public struct Batch: Sendable {
    /// count x height x width x channels Float32 samples (NHWC).
    public let images: [Float]
    public let count: Int
    public let height: Int
    public let width: Int
    public let channels: Int
    /// Class index of each image.
    public let labels: [Int]
    public let classCount: Int
    /// Per-image loss weight from the class weights, or nil when none were given.
    public let sampleWeights: [Float]?
    /// Dataset-relative path of each image, for reports.
    public let paths: [String]
    /// Which pass over the data (a Keras "epoch" of the generator) and which batch of it.
    public let pass: Int
    public let indexInPass: Int

    /// count x classCount one-hot labels (Keras' class_mode='categorical').
    public var oneHotLabels: [Float] {
        var oneHot = [Float](repeating: 0, count: count * classCount)
        for (row, label) in labels.enumerated() { oneHot[row * classCount + label] = 1 }
        return oneHot
    }
}

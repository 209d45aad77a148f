import Tensor
import Training

/// A `FeatureBank` as the fit loop's source: batches of features with one-hot labels (Keras'
/// `class_mode='categorical'`) and class weights as sample weights.
///
/// Passes work as `BatchStream`'s (Keras' `flow_from_directory`): a pass covers every image once in
/// ceil(n / batchSize) batches, the last one short; passes follow each other endlessly. Training passes use
/// `BatchStream`'s seeded permutation (the same image order as an uncached run with the same seed), evaluation
/// passes the bank's order.
///
/// Which view an image shows: evaluation always view 0 (the image itself). Training with K = 0 view 0 too; with
/// K > 0, in each pass each image shows one of its K augmented views, drawn uniformly from a generator of its own
/// (seed, pass, image), never view 0: in the notebooks every training image is augmented in every epoch.
public struct FeatureBatches: TrainingBatches {
    public let bank: FeatureBank
    public let batchSize: Int
    public let batchesPerPass: Int
    private let config: BatchConfig
    private let augmented: Bool
    private var batchNumber = 0
    /// The image order of the pass `batchNumber` is in.
    private var order: (pass: Int, images: [Int])?

    /// Shuffled passes over the augmented views (view 0 when the bank has none).
    public static func training(_ bank: FeatureBank, batchSize: Int, seed: UInt64, classWeights: [Float]? = nil) throws -> FeatureBatches {
        try FeatureBatches(bank, config: BatchConfig(batchSize: batchSize, shuffle: true, seed: seed, classWeights: classWeights),
                           augmented: true)
    }

    /// Passes in the bank's order over view 0: validation and test.
    public static func evaluation(_ bank: FeatureBank, batchSize: Int, classWeights: [Float]? = nil) throws -> FeatureBatches {
        try FeatureBatches(bank, config: BatchConfig(batchSize: batchSize, shuffle: false, seed: 0, classWeights: classWeights),
                           augmented: false)
    }

    private init(_ bank: FeatureBank, config: BatchConfig, augmented: Bool) throws {
        guard config.batchSize > 0 else {
            throw DataError(file: "feature batches", kind: .badArgument, problem: "batch size must be positive, got \(config.batchSize)")
        }
        if let weights = config.classWeights, weights.count != bank.classCount {
            throw DataError(file: "feature batches", kind: .badArgument, problem: "\(weights.count) class weights for \(bank.classCount) classes")
        }
        self.bank = bank
        self.config = config
        self.augmented = augmented
        batchSize = config.batchSize
        batchesPerPass = (bank.images.count + config.batchSize - 1) / config.batchSize
    }

    /// The (image, view) pairs of the next batch, in order; `next` turns them into tensors.
    public mutating func nextPairs() -> [(image: Int, view: Int)] {
        let pass = batchNumber / batchesPerPass, indexInPass = batchNumber % batchesPerPass
        if order?.pass != pass { order = (pass, BatchStream.order(count: bank.images.count, pass: pass, config: config)) }
        batchNumber += 1
        let positions = indexInPass * batchSize..<min((indexInPass + 1) * batchSize, bank.images.count)
        return positions.map { position in
            let image = order!.images[position]
            return (image, view(of: image, pass: pass))
        }
    }

    /// Every batch follows from its number (the pass's order and views from the seed): a jump, nothing read.
    public mutating func skip(_ count: Int) throws {
        batchNumber += count
    }

    public mutating func next() throws -> TrainingBatch {
        let pairs = nextPairs()
        var oneHot = [Float](repeating: 0, count: pairs.count * bank.classCount)
        for (row, pair) in pairs.enumerated() { oneHot[row * bank.classCount + bank.images[pair.image].label] = 1 }
        let weights = config.classWeights.map { weights in pairs.map { weights[bank.images[$0.image].label] } }
        return TrainingBatch(inputs: try bank.batch(pairs), target: .dense(try Tensor(shape: [pairs.count, bank.classCount], values: oneHot)),
                             sampleWeights: weights)
    }

    private func view(of image: Int, pass: Int) -> Int {
        guard augmented, bank.views.count > 0 else { return 0 }
        var generator = SeededGenerator(seed: config.seed, stream: [4, UInt64(pass), UInt64(image)])
        return 1 + generator.index(below: bank.views.count)
    }
}

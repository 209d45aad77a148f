import Tensor

/// How a BatchStream turns a split into batches (Keras' flow_from_directory settings).
public struct BatchConfig: Sendable {
    public var batchSize: Int
    /// A fresh seeded permutation for every pass (Keras shuffle=True); otherwise path order.
    public var shuffle: Bool
    public var seed: UInt64
    /// nil: no augmentation (validation and test).
    public var augmentation: AugmentationConfig?
    public var preprocessing: Preprocessing
    /// Indexed by class; nil for unweighted.
    public var classWeights: [Float]?
    /// Threads decoding ahead of the consumer.
    public var workers: Int
    /// How many batches may be ready or in progress ahead of the consumer.
    public var prefetch: Int

    public init(batchSize: Int, shuffle: Bool, seed: UInt64, augmentation: AugmentationConfig? = nil,
                preprocessing: Preprocessing = .notebooks, classWeights: [Float]? = nil, workers: Int = 2, prefetch: Int = 4) {
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.augmentation = augmentation
        self.preprocessing = preprocessing
        self.classWeights = classWeights
        self.workers = workers
        self.prefetch = prefetch
    }
}

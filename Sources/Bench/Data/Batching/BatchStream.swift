import Foundation

/// An endless stream of batches, built on worker threads ahead of the consumer, with Keras'
/// `flow_from_directory` mechanics: a pass covers all n images in ceil(n / batchSize) batches, the
/// last one short when n is not a multiple; the next pass reshuffles. The training loop takes as
/// many batches as it calls an epoch (Keras: steps_per_epoch = n // batchSize, so epochs and passes
/// drift apart, docs/notebooks.md "Loading and augmentation").
///
/// Everything random is derived from the seed, the pass and the image's position, never from thread
/// timing, so a run repeats exactly.
public final class BatchStream: @unchecked Sendable {
    public let images: [LabeledImage]
    public let batchesPerPass: Int
    private let producer: Producer

    public init(_ split: Split, of dataset: Dataset, loader: ImageLoader, config: BatchConfig) throws {
        guard config.batchSize > 0, config.workers > 0, config.prefetch > 0 else {
            throw DataError(file: dataset.root.path, kind: .badArgument, problem: "batch size, workers and prefetch must be positive")
        }
        guard !split.images.isEmpty else {
            throw DataError(file: dataset.root.path, kind: .badArgument, problem: "split '\(split.name)' has no images")
        }
        if let weights = config.classWeights, weights.count != dataset.classNames.count {
            throw DataError(file: dataset.root.path, kind: .badArgument,
                            problem: "\(weights.count) class weights for \(dataset.classNames.count) classes")
        }
        images = split.images
        batchesPerPass = (images.count + config.batchSize - 1) / config.batchSize
        producer = Producer(images: images, dataset: dataset, loader: loader, config: config, batchesPerPass: batchesPerPass)
        producer.start()
    }

    deinit {
        producer.stop()
    }

    /// The next batch in order; rethrows the error of an image that failed to load.
    public func next() throws -> Batch {
        try producer.take()
    }

    /// Moves past `count` batches as if `next` had taken them (a resumed run): each batch follows from its number,
    /// so the workers move on to the first one still wanted, and what they built before it is dropped.
    public func skip(_ count: Int) {
        producer.skip(count)
    }

    /// The image order of a pass: the seeded permutation, or path order without shuffling.
    public static func order(count: Int, pass: Int, config: BatchConfig) -> [Int] {
        var order = Array(0..<count)
        if config.shuffle {
            var generator = SeededGenerator(seed: config.seed, stream: [1, UInt64(pass)])
            generator.shuffle(&order)
        }
        return order
    }
}

/// The worker side: threads claim batch numbers in order, build them, and park them until the
/// consumer takes them; at most `prefetch` batches are ahead of the consumer.
private final class Producer: @unchecked Sendable {
    let images: [LabeledImage]
    let dataset: Dataset
    let loader: ImageLoader
    let config: BatchConfig
    let batchesPerPass: Int

    private let condition = NSCondition()
    private var ready: [Int: Result<Batch, Error>] = [:]
    private var nextToClaim = 0
    private var nextToTake = 0
    private var stopped = false
    private var orders: [Int: [Int]] = [:]  // pass -> permutation, for passes in flight

    init(images: [LabeledImage], dataset: Dataset, loader: ImageLoader, config: BatchConfig, batchesPerPass: Int) {
        self.images = images
        self.dataset = dataset
        self.loader = loader
        self.config = config
        self.batchesPerPass = batchesPerPass
    }

    func start() {
        for _ in 0..<config.workers {
            let thread = Thread { [self] in work() }
            thread.name = "zoo-batch-worker"
            thread.start()
        }
    }

    func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    func take() throws -> Batch {
        let result: Result<Batch, Error> = condition.withLock {
            while ready[nextToTake] == nil { condition.wait() }
            let result = ready.removeValue(forKey: nextToTake)!
            nextToTake += 1
            condition.broadcast()
            return result
        }
        return try result.get()
    }

    func skip(_ count: Int) {
        condition.withLock {
            nextToTake += count
            nextToClaim = max(nextToClaim, nextToTake)
            ready = ready.filter { $0.key >= nextToTake }
            condition.broadcast()
        }
    }

    private func work() {
        while true {
            let claim: (number: Int, order: [Int])? = condition.withLock {
                while !stopped && nextToClaim >= nextToTake + config.prefetch { condition.wait() }
                if stopped { return nil }
                let number = nextToClaim
                nextToClaim += 1
                return (number, order(forPass: number / batchesPerPass))
            }
            guard let claim else { return }
            let result = Result { try build(number: claim.number, order: claim.order) }
            condition.withLock {
                if claim.number >= nextToTake { ready[claim.number] = result }  // else skipped while it was built
                condition.broadcast()
            }
        }
    }

    /// Called with the lock held; forgets passes no worker can still need.
    private func order(forPass pass: Int) -> [Int] {
        if let order = orders[pass] { return order }
        orders = orders.filter { $0.key >= nextToTake / batchesPerPass }
        let order = BatchStream.order(count: images.count, pass: pass, config: config)
        orders[pass] = order
        return order
    }

    private func build(number: Int, order: [Int]) throws -> Batch {
        let pass = number / batchesPerPass, indexInPass = number % batchesPerPass
        let positions = indexInPass * config.batchSize..<min((indexInPass + 1) * config.batchSize, images.count)
        var pixels: [Float] = []
        var shape: (height: Int, width: Int, channels: Int)?
        for position in positions {
            let image = images[order[position]]
            var loaded = try loader.load(file: dataset.url(of: image))
            if let augmentation = config.augmentation {
                var generator = SeededGenerator(seed: config.seed, stream: [2, UInt64(pass), UInt64(position)])
                loaded = augmentation.augment(loaded, using: &generator)
            }
            try config.preprocessing.apply(to: &loaded)
            if let shape, shape != (loaded.height, loaded.width, loaded.channels) {
                throw DataError(file: dataset.url(of: image).path, kind: .badArgument, problem:
                    "image is \(loaded.width)x\(loaded.height), the batch's others \(shape.width)x\(shape.height): set a target size")
            }
            shape = (loaded.height, loaded.width, loaded.channels)
            if pixels.isEmpty { pixels.reserveCapacity(loaded.pixels.count * positions.count) }
            pixels += loaded.pixels
        }
        let members = positions.map { images[order[$0]] }
        return Batch(images: pixels, count: members.count, height: shape!.height, width: shape!.width, channels: shape!.channels,
                     labels: members.map(\.label), classCount: dataset.classNames.count,
                     sampleWeights: config.classWeights.map { weights in members.map { weights[$0.label] } },
                     paths: members.map(\.path), pass: pass, indexInPass: indexInPass)
    }
}

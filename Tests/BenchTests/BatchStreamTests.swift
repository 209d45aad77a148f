import Foundation
import Testing
@testable import Bench

private func tuberculosisDataset() throws -> (Dataset, Split) {
    let dataset = try DatasetReader.read(try Fixtures.tuberculosis.get())
    return (dataset, try #require(dataset.split(named: "all")))
}

private let smallLoader = ImageLoader(targetSize: .init(width: 32, height: 24))

/// Named as a suite so that `make test-tsan` can pick the batch streams, whose batches are built on worker threads.
@Suite struct BatchStreamTests {
    @Test func everyImageOncePerPassWithAShortLastBatch() throws {
        let (dataset, split) = try tuberculosisDataset()  // 24 images, batch 10: 10, 10, 4
        let stream = try BatchStream(split, of: dataset, loader: smallLoader, config: BatchConfig(batchSize: 10, shuffle: true, seed: 2019))
        #expect(stream.batchesPerPass == 3)
        var passes: [[String]] = [[], []]
        for expected in [(0, 10), (1, 10), (2, 4), (0, 10), (1, 10), (2, 4)] {
            let batch = try stream.next()
            #expect(batch.indexInPass == expected.0 && batch.count == expected.1)
            #expect(batch.images.count == batch.count * 24 * 32 * 3 && batch.labels.count == batch.count)
            #expect(batch.images.allSatisfy { (0...1).contains($0) }, "rescaled by 1/255")
            passes[batch.pass] += batch.paths
        }
        #expect(Set(passes[0]) == Set(split.images.map(\.path)) && passes[0].count == 24)
        #expect(Set(passes[1]) == Set(passes[0]))
        #expect(passes[0] != passes[1], "each pass is reshuffled")
    }

    @Test func withoutShuffleBatchesFollowPathOrder() throws {
        let (dataset, split) = try tuberculosisDataset()
        let stream = try BatchStream(split, of: dataset, loader: smallLoader, config: BatchConfig(batchSize: 16, shuffle: false, seed: 0))
        let first = try stream.next(), second = try stream.next(), third = try stream.next()
        #expect(first.paths + second.paths == split.images.map(\.path))
        #expect(third.paths == first.paths && third.pass == 1)
    }

    /// The same seed gives the same batches, pixel for pixel, whatever the number of worker threads.
    @Test func augmentedBatchesRepeatExactlyForASeed() throws {
        let (dataset, split) = try tuberculosisDataset()
        func firstBatches(workers: Int, seed: UInt64) throws -> [Batch] {
            let config = BatchConfig(batchSize: 5, shuffle: true, seed: seed, augmentation: .tuberculosisNotebooks, workers: workers)
            let stream = try BatchStream(split, of: dataset, loader: smallLoader, config: config)
            return try (0..<6).map { _ in try stream.next() }
        }
        let one = try firstBatches(workers: 1, seed: 2019), three = try firstBatches(workers: 3, seed: 2019)
        #expect(one.map(\.images) == three.map(\.images) && one.map(\.paths) == three.map(\.paths))
        let other = try firstBatches(workers: 2, seed: 2020)
        #expect(one.map(\.images) != other.map(\.images))
    }

    /// A resumed run's stream: skipping batches (mid-pass, after the workers started) gives the very batches the
    /// stream would have given next, augmentation included.
    @Test func skippedStreamContinuesWithTheSameBatches() throws {
        let (dataset, split) = try tuberculosisDataset()
        let config = BatchConfig(batchSize: 5, shuffle: true, seed: 2019, augmentation: .tuberculosisNotebooks, workers: 2)
        let straight = try BatchStream(split, of: dataset, loader: smallLoader, config: config)
        let expected = try (0..<9).map { _ in try straight.next() }.suffix(2)
        let skipped = try BatchStream(split, of: dataset, loader: smallLoader, config: config)
        _ = try skipped.next()
        skipped.skip(6)
        let resumed = try (0..<2).map { _ in try skipped.next() }
        #expect(resumed.map(\.images) == expected.map(\.images) && resumed.map(\.paths) == expected.map(\.paths))
        #expect(resumed[0].pass == 1 && resumed[0].indexInPass == 2)
    }

    @Test func labelsOneHotAndClassWeights() throws {
        let (dataset, split) = try tuberculosisDataset()
        let weights = ClassWeights.balanced(counts: split.classCounts(classCount: 2))
        let config = BatchConfig(batchSize: 24, shuffle: false, seed: 0, classWeights: [0.5, 2])
        let batch = try BatchStream(split, of: dataset, loader: smallLoader, config: config).next()
        #expect(weights == [1, 1])
        #expect(batch.labels == split.images.map(\.label))
        #expect(batch.sampleWeights == split.images.map { $0.label == 0 ? 0.5 : 2 })
        let oneHot = batch.oneHotLabels
        for (row, label) in batch.labels.enumerated() {
            #expect(oneHot[row * 2 + label] == 1 && oneHot[row * 2 + 1 - label] == 0)
        }
    }

    @Test func aBrokenImageSurfacesAsAnErrorNamingIt() throws {
        let root = try References.temporaryDirectory("broken-batch")
        try Fixtures.touch(root, "0/good.png", ImageEncoder.png(.gray8([1, 2, 3, 4]), width: 2, height: 2))
        try Fixtures.touch(root, "1/bad.png", Data("not a png".utf8))
        let dataset = try DatasetReader.read(root)
        let stream = try BatchStream(try #require(dataset.split(named: "all")), of: dataset, loader: smallLoader,
                                     config: BatchConfig(batchSize: 1, shuffle: false, seed: 0))
        #expect(try stream.next().paths == ["0/good.png"])
        let error = #expect(throws: DataError.self) { try stream.next() }
        #expect(error?.description == root.appendingPathComponent("1/bad.png").path + ": not a PNG or JPEG file (unknown signature)")
    }
}

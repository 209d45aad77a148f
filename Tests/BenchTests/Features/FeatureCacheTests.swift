import Foundation
import Tensor
import Testing
import Zoo
@testable import Bench

/// The feature cache against the frozen base it stands in for: the same bits as the base run on each image alone,
/// served from disk on the second run, damage found and repaired, concurrent writers harmless, views fixed.
@Suite struct FeatureCacheTests {
    /// What the base computes for one view of one image run alone (a batch of one), as training without a cache would.
    private func direct(_ model: Model, _ dataset: Dataset, _ image: LabeledImage, view: Int, views: FeatureViews) throws -> [Float] {
        var loaded = try FeatureFixtures.loader.load(file: dataset.url(of: image))
        if view > 0, let augmentation = views.augmentation {
            let hash = try ContentHash.sha256Hex(ofFileAt: dataset.url(of: image).path)
            var generator = FeatureView.generator(seed: views.seed, imageSHA256: hash, index: view)
            loaded = augmentation.augment(loaded, using: &generator)
        }
        return try model.predict([loaded.modelInput(channels: 3, preprocessing: .caffe)])[0].toArray()
    }

    private func values(_ bank: FeatureBank) throws -> [[[Float]]] {
        try bank.images.indices.map { image in try (0...bank.views.count).map { try bank.features(image: image, view: $0).toArray() } }
    }

    @Test func cachedFeaturesAreTheBaseOutputBitForBitAndHitOnTheSecondRun() throws {
        let (dataset, images) = try FeatureFixtures.images()
        let directory = try References.temporaryDirectory("features")
        let views = try FeatureFixtures.views()
        let first = try FeatureFixtures.extractor(cache: FeatureFixtures.cache(directory))
            .extract(images, of: dataset, loader: FeatureFixtures.loader, preprocessing: .caffe, views: views)
        #expect(first.stats.hits == 0 && first.stats.misses == images.count * 3 && first.stats.recomputedDamaged == 0)
        #expect(first.featureShape == [8, 8, 16] && first.exactness == .exact)
        #expect(first.departure?.contains("fixed bank of 2 views") == true)

        // Batches of 5 mixing images and views against each view run alone: the base treats rows independently.
        let model = try FeatureFixtures.base()
        let cached = try values(first)
        for (index, image) in images.enumerated() {
            for view in 0...2 {
                let expected = try direct(model, dataset, image, view: view, views: views)
                #expect(cached[index][view] == expected, "\(image.path) view \(view): \(References.mismatchCount(cached[index][view], expected)) values differ")
            }
            #expect(cached[index][1] != cached[index][0] && cached[index][2] != cached[index][1], "views differ")
        }

        let second = try FeatureFixtures.extractor(cache: FeatureFixtures.cache(directory), batchSize: 3)
            .extract(images, of: dataset, loader: FeatureFixtures.loader, preprocessing: .caffe, views: views)
        #expect(second.stats.hits == images.count * 3 && second.stats.misses == 0)
        #expect(try values(second) == cached)
    }

    /// A view is fixed by (seed, image content, view index): another batch size and the images in reverse order
    /// compute the same views into a fresh cache; another seed gives other views.
    @Test func viewsDependOnSeedImageAndIndexOnly() throws {
        let (dataset, images) = try FeatureFixtures.images(6)
        let views = try FeatureFixtures.views()
        func bank(_ images: [LabeledImage], batchSize: Int, views: FeatureViews) throws -> FeatureBank {
            try FeatureFixtures.extractor(cache: FeatureFixtures.cache(References.temporaryDirectory("features")), batchSize: batchSize)
                .extract(images, of: dataset, loader: FeatureFixtures.loader, preprocessing: .caffe, views: views)
        }
        let forward = try values(bank(images, batchSize: 4, views: views))
        let backward = try values(bank(images.reversed(), batchSize: 7, views: views))
        #expect(forward == Array(backward.reversed()))
        let reseeded = try values(bank(images, batchSize: 4, views: FeatureViews(augmentation: .tuberculosisNotebooks, count: 2, seed: 7)))
        #expect(zip(forward, reseeded).allSatisfy { $0[0] == $1[0] && $0[1] != $1[1] }, "the seed changes the augmented views only")
    }

    /// A flipped payload byte, a truncated file and a header of another key are each reported naming the file,
    /// deleted and recomputed to the original values; the other entries are hits.
    @Test func damagedEntriesAreReportedAndRecomputed() throws {
        let (dataset, images) = try FeatureFixtures.images(4)
        let directory = try References.temporaryDirectory("features")
        let original = try FeatureFixtures.extractor(cache: FeatureFixtures.cache(directory))
            .extract(images, of: dataset, loader: FeatureFixtures.loader, preprocessing: .caffe, views: .none)
        let files = try entryFiles(directory)
        #expect(files.count == 4)
        var flipped = try Data(contentsOf: files[0])
        flipped[flipped.count - 100] ^= 0x01
        try flipped.write(to: files[0])
        let truncated = try Data(contentsOf: files[1])
        try truncated.prefix(truncated.count / 2).write(to: files[1])
        try Data(contentsOf: files[3]).write(to: files[2])  // a valid entry under the wrong name

        let warnings = WarningLog()
        let repaired = try FeatureFixtures.extractor(cache: FeatureFixtures.cache(directory, warnings: warnings))
            .extract(images, of: dataset, loader: FeatureFixtures.loader, preprocessing: .caffe, views: .none)
        #expect(repaired.stats.recomputedDamaged == 3 && repaired.stats.misses == 3 && repaired.stats.hits == 1)
        #expect(warnings.lines.count == 3)
        for (file, problem) in zip(files.prefix(3), ["payload checksum mismatch", "payload of", "entry for another key"]) {
            #expect(warnings.lines.contains { $0.contains(file.path) && $0.contains(problem) }, "\(file.lastPathComponent): \(warnings.lines)")
        }
        #expect(try values(repaired) == values(original))
        let again = try FeatureFixtures.extractor(cache: FeatureFixtures.cache(directory))
            .extract(images, of: dataset, loader: FeatureFixtures.loader, preprocessing: .caffe, views: .none)
        #expect(again.stats.hits == 4 && again.stats.recomputedDamaged == 0)
    }

    /// What a caching run killed midway leaves (some entries, and a temporary file its last write never renamed):
    /// the next run reads the entries there and computes only the missing ones, to the same values.
    @Test func aRunKilledMidwayRecomputesOnlyTheMissingEntries() throws {
        let (dataset, images) = try FeatureFixtures.images(4)
        let directory = try References.temporaryDirectory("features")
        let complete = try FeatureFixtures.extractor(cache: FeatureFixtures.cache(directory))
            .extract(images, of: dataset, loader: FeatureFixtures.loader, preprocessing: .caffe, views: .none)
        let files = try entryFiles(directory)
        for file in files.suffix(2) { try FileManager.default.removeItem(at: file) }
        try Data(contentsOf: files[0]).prefix(100).write(to: files[0].deletingLastPathComponent()
            .appendingPathComponent(".\(files[3].lastPathComponent).\(getpid()).\(UUID().uuidString).tmp"))
        let resumed = try FeatureFixtures.extractor(cache: FeatureFixtures.cache(directory))
            .extract(images, of: dataset, loader: FeatureFixtures.loader, preprocessing: .caffe, views: .none)
        #expect(resumed.stats.hits == 2 && resumed.stats.misses == 2 && resumed.stats.recomputedDamaged == 0)
        #expect(try values(resumed) == values(complete))
    }

    /// Four extractors, each with its own cache object and model, fill one cache directory at once: they share
    /// nothing but the file system, as separate processes would (temporary names carry the process id and a UUID,
    /// rename is atomic between processes as between threads). No entry is damaged, no temporary file is left.
    @Test func concurrentExtractorsNeverDamageAnEntry() throws {
        let (dataset, images) = try FeatureFixtures.images(6)
        let directory = try References.temporaryDirectory("features")
        let views = try FeatureFixtures.views()
        let warnings = WarningLog()
        let banks = try onThreads(4) { index in
            try FeatureFixtures.extractor(cache: FeatureFixtures.cache(directory, warnings: warnings), batchSize: 4)
                .extract(index % 2 == 0 ? images : images.reversed(), of: dataset, loader: FeatureFixtures.loader,
                         preprocessing: .caffe, views: views)
        }
        #expect(warnings.lines.isEmpty, "\(warnings.lines)")
        let check = try FeatureFixtures.extractor(cache: FeatureFixtures.cache(directory, warnings: warnings))
            .extract(images, of: dataset, loader: FeatureFixtures.loader, preprocessing: .caffe, views: views)
        #expect(check.stats.hits == images.count * 3 && warnings.lines.isEmpty)
        #expect(try values(banks[1]) == Array(values(check).reversed()))
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    /// Writers replacing one entry over and over while readers read it: a reader sees a whole entry or none, never
    /// a damaged one.
    @Test func readersNeverSeeHalfAnEntry() throws {
        let directory = try References.temporaryDirectory("features")
        let warnings = WarningLog()
        let (dataset, images) = try FeatureFixtures.images(2)
        let bank = try FeatureFixtures.extractor(cache: FeatureFixtures.cache(directory))
            .extract(images, of: dataset, loader: FeatureFixtures.loader, preprocessing: .caffe, views: .none)
        let key = try #require(bank.keys.first?.first)
        let values = try Tensor(shape: [64, 64, 64], values: (0..<(64 * 64 * 64)).map { Float($0) })
        let damaged = try onThreads(6) { worker -> Int in
            let cache = try FeatureFixtures.cache(directory, warnings: warnings)
            var damaged = 0
            for _ in 0..<40 {
                if worker < 3 {
                    try cache.write(try values.copied(), for: key)
                } else if case .damaged = cache.read(key) {
                    damaged += 1
                }
            }
            return damaged
        }
        #expect(damaged.reduce(0, +) == 0, "\(warnings.lines.prefix(3))")
    }

    /// Keras 2.2's frozen BatchNormalization normalises with batch statistics: its features cannot be cached exactly.
    @Test func keras2BatchNormIsRefusedUnlessApproximate() throws {
        let graph = try FeatureFixtures.graph(batchNorm: true)
        #expect(try FeatureCachePolicy.check(graph, frozenBatchNorm: .tf2, approximate: false) == .exact)
        #expect(try FeatureCachePolicy.check(FeatureFixtures.graph(), frozenBatchNorm: .keras2, approximate: false) == .exact)
        let refusal = #expect(throws: FeatureCacheRefusal.self) {
            try FeatureCachePolicy.check(graph, frozenBatchNorm: .keras2, approximate: false)
        }
        #expect(refusal?.reason.contains("'block1_bn'") == true && refusal?.reason.contains("keras2") == true)
        let cache = try FeatureFixtures.cache(References.temporaryDirectory("features"))
        #expect(throws: FeatureCacheRefusal.self) {
            try FeatureExtractor(base: FeatureFixtures.base(batchNorm: true), weightsSHA256: FeatureFixtures.weightsSHA256,
                                 frozenBatchNorm: .keras2, cache: cache, progress: nil)
        }
        let (dataset, images) = try FeatureFixtures.images(2)
        let bank = try FeatureExtractor(base: FeatureFixtures.base(batchNorm: true), weightsSHA256: FeatureFixtures.weightsSHA256,
                                        frozenBatchNorm: .keras2, approximate: true, cache: cache, progress: nil)
            .extract(images, of: dataset, loader: FeatureFixtures.loader, preprocessing: .caffe, views: .none)
        guard case .approximate(let reason) = bank.exactness else { Issue.record("not labelled approximate"); return }
        #expect(reason.contains("block1_bn") && bank.departure?.contains("approximate features") == true)
    }

    private func entryFiles(_ directory: URL) throws -> [URL] {
        try FileManager.default.subpathsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".feat") }.sorted()
            .map { directory.appendingPathComponent($0) }
    }

    /// `body(0..<count)` on threads of their own, all running at once (a dispatch pool on two cores would run them
    /// two at a time); results in order, the first error rethrown.
    private func onThreads<Value: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Value) throws -> [Value] {
        let results = ResultBox<Value>(count: count)
        let done = DispatchGroup()
        for index in 0..<count {
            done.enter()
            Thread {
                results.set(index, Result { try body(index) })
                done.leave()
            }.start()
        }
        done.wait()
        return try results.values.map { try $0!.get() }
    }
}

private final class ResultBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Result<Value, Error>?]
    init(count: Int) { stored = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ result: Result<Value, Error>) { lock.withLock { stored[index] = result } }
    var values: [Result<Value, Error>?] { lock.withLock { stored } }
}

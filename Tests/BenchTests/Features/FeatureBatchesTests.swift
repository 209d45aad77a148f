import Foundation
import Tensor
import Testing
import Training
@testable import Bench

/// Feature batches as the fit loop takes them: Keras' passes (every image once, the last batch short, reshuffled
/// with BatchStream's permutation), one augmented view per image and pass, view 0 for evaluation.
@Suite struct FeatureBatchesTests {
    private func makeBank(views: FeatureViews) throws -> FeatureBank {
        let (dataset, images) = try FeatureFixtures.images(7)
        return try FeatureFixtures.extractor(cache: FeatureFixtures.cache(References.temporaryDirectory("features")))
            .extract(images, of: dataset, loader: FeatureFixtures.loader, preprocessing: .caffe, views: views)
    }

    @Test func trainingPassesShuffleAndPickAnAugmentedViewPerImage() throws {
        let bank = try makeBank(views: FeatureFixtures.views())
        var batches = try FeatureBatches.training(bank, batchSize: 3, seed: 2019, classWeights: [0.5, 2])
        #expect(batches.batchesPerPass == 3)
        var passes: [[(image: Int, view: Int)]] = [[], []]
        for (pass, size) in [(0, 3), (0, 3), (0, 1), (1, 3), (1, 3), (1, 1)] {
            let pairs = batches.nextPairs()
            #expect(pairs.count == size)
            passes[pass] += pairs
        }
        for pass in 0..<2 {
            let config = BatchConfig(batchSize: 3, shuffle: true, seed: 2019)
            #expect(passes[pass].map(\.image) == BatchStream.order(count: 7, pass: pass, config: config), "BatchStream's permutation")
            #expect(passes[pass].allSatisfy { (1...2).contains($0.view) }, "training shows augmented views only")
        }
        #expect(passes[0].map(\.image) != passes[1].map(\.image))

        var again = try FeatureBatches.training(bank, batchSize: 3, seed: 2019, classWeights: [0.5, 2])
        let batch = try again.next()
        let first = passes[0].prefix(3)
        #expect(batch.inputs.map(\.shape) == [[3, 8, 8, 16]])
        #expect(batch.inputs[0].toArray() == (try first.flatMap { try bank.features(image: $0.image, view: $0.view).toArray() }))
        let labels = first.map { bank.images[$0.image].label }
        guard case .dense(let oneHot) = batch.target else { Issue.record("labels not one-hot"); return }
        #expect(oneHot.shape == [3, 2] && oneHot.toArray() == labels.flatMap { $0 == 0 ? [Float(1), 0] : [0, 1] })
        #expect(batch.sampleWeights == labels.map { $0 == 0 ? 0.5 : 2 })
    }

    /// A resumed run's stream: skipping into the middle of a later pass gives the batches taking them would have.
    @Test func skippingLandsWhereTakingWould() throws {
        let bank = try makeBank(views: FeatureFixtures.views())
        var straight = try FeatureBatches.training(bank, batchSize: 3, seed: 2019)
        for _ in 0..<4 { _ = straight.nextPairs() }
        var skipped = try FeatureBatches.training(bank, batchSize: 3, seed: 2019)
        try skipped.skip(4)
        for _ in 0..<3 { #expect(skipped.nextPairs().map { [$0.image, $0.view] } == straight.nextPairs().map { [$0.image, $0.view] }) }
    }

    @Test func evaluationIsInOrderOnTheImageItself() throws {
        let bank = try makeBank(views: FeatureFixtures.views())
        var batches = try FeatureBatches.evaluation(bank, batchSize: 4)
        let pairs = batches.nextPairs() + batches.nextPairs()
        #expect(pairs.map(\.image) == Array(0..<7) && pairs.allSatisfy { $0.view == 0 })
        #expect(batches.nextPairs().map(\.image) == [0, 1, 2, 3], "passes repeat")
        var training = try FeatureBatches.training(makeBank(views: .none), batchSize: 7, seed: 1)
        #expect(training.nextPairs().allSatisfy { $0.view == 0 }, "K = 0: the image itself")
    }
}

@testable import Bench
import Foundation
import Testing
import TestSupport

/// The seed protocol's mechanics at the notebooks' sizes (721 training and 79 test images of Shenzhen + Montgomery,
/// batch 16): `steps_per_epoch = 721 // 16`, and a validation stream of 79 images read 4 batches at a time and
/// continued from epoch to epoch, so the notebooks' val_acc was measured on a rotating 63- or 64-image window.
/// The learning-rate trace of their ReduceLROnPlateau is checked against Keras in CallbackKerasTests
/// (`notebook_reduce_lr`), with the settings checked here to be the recipes'.
@Suite struct SeedProtocolTests {
    static let batchSize = 16

    static func notebookData() throws -> RunData {
        func images(_ count: Int, positives: Int, folder: String) -> [LabeledImage] {
            (0..<count).map { LabeledImage(path: "\(folder)/\($0 < positives ? "tb" : "normal")_\($0).png", label: $0 < positives ? 1 : 0) }
        }
        let dataset = Dataset(layout: .classFolders, root: URL(fileURLWithPath: "/notebook-tb"), classNames: ["normal", "tuberculosis"],
                              splits: [Split(name: "Train", images: images(721, positives: 360, folder: "Train")),
                                       Split(name: "Test", images: images(79, positives: 40, folder: "Test"))])
        return try RunData(.seed, dataset: dataset, kind: .tb)
    }

    @Test func stepsPerEpochAndValidationStepsRoundDown() throws {
        let data = try Self.notebookData()
        #expect(data.steps(data.train, batchSize: Self.batchSize) == 45)
        #expect(data.steps(data.validation, batchSize: Self.batchSize) == 4)
        #expect(data.validation.images == data.test.images && data.augmentValidation)
    }

    @Test func validationWindowRotatesThroughTheTestFolder() throws {
        let data = try Self.notebookData()
        let cache = try FeatureCache(directory: FileManager.default.temporaryDirectory.appendingPathComponent("zoo-seed-\(UUID().uuidString)"))
        defer { try? FileManager.default.removeItem(at: cache.directory) }
        let bank = FeatureBank(images: data.validation.images, classCount: 2, views: .none, featureShape: [1], exactness: .exact,
                               stats: FeatureStats(), keys: [], cache: cache)
        var stream = try FeatureBatches.evaluation(bank, batchSize: Self.batchSize)
        let steps = data.steps(data.validation, batchSize: Self.batchSize)
        var windows: [[Int]] = []
        for _ in 0..<10 { windows.append((0..<steps).flatMap { _ in stream.nextPairs().map(\.image) }) }
        // Batches of 16, 16, 16, 16, 15 in a loop, four at a time: the window loses the 15-image batch's missing image
        // four epochs out of five.
        #expect(windows.map(\.count) == [64, 63, 63, 63, 63, 64, 63, 63, 63, 63])
        #expect(windows[0] == Array(0..<64) && windows[1] == Array(64..<79) + Array(0..<48))
        #expect(Set(windows[0..<5].joined()) == Set(0..<79))
    }

    @Test(arguments: ["vgg16-tb", "vgg19-tb", "attention-vgg16-tb"])
    func recipesCarryTheNotebooksReduceLROnPlateau(recipe name: String) throws {
        let recipe = try Recipe.read(from: TestEnvironment.repositoryRoot.appendingPathComponent("Benchmarks/recipes/\(name).json"))
        let plateau = try #require(recipe.training.callbacks.reduceLROnPlateau)
        #expect(plateau.monitor == "val_loss" && plateau.factor == 0.8 && plateau.patience == 10)
        #expect(plateau.minDelta == 1e-4 && plateau.cooldown == 5 && plateau.minLR == 1e-4)
    }
}

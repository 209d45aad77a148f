import Foundation
import Testing
import TestSupport
@testable import Bench

/// `zoo bench --folds K` and `--split FILE`: where a run's train, validation and test images come from.

@Test func foldsMakeEveryImageATestImageExactlyOnceWithDisjointTrainingAndValidation() throws {
    let dataset = try DatasetReader.read(try Fixtures.tuberculosis.get())
    let runs = try (0..<4).map { try RunData(.clean, dataset: dataset, kind: .tb, partition: .fold(index: $0, count: 4)) }
    let tested = runs.flatMap { $0.test.images.map(\.path) }
    #expect(tested.sorted() == dataset.allImages.map(\.path).sorted(), "each image is in exactly one fold's test set")
    for (index, run) in runs.enumerated() {
        let parts = [run.train, run.validation, run.test].map { Set($0.images.map(\.path)) }
        #expect(parts[0].isDisjoint(with: parts[1]) && parts[0].isDisjoint(with: parts[2]) && parts[1].isDisjoint(with: parts[2]), "fold \(index)")
        #expect(parts.map(\.count).reduce(0, +) == dataset.allImages.count, "fold \(index) uses every image once")
        let positives = run.test.images.filter { $0.label == run.positiveClass }.count
        #expect(abs(2 * positives - run.test.images.count) <= 2, "fold \(index) keeps the class balance: \(positives)/\(run.test.images.count)")
        #expect(!run.roundStepsDown && !run.augmentValidation)
        #expect(run.notes.contains { $0.contains("fold \(index) of 4") })
    }
    let again = try RunData(.clean, dataset: dataset, kind: .tb, partition: .fold(index: 2, count: 4))
    #expect(again.test.images == runs[2].test.images && again.train.images == runs[2].train.images, "the same folds every time")
    #expect(throws: BenchError.self) { try RunData(.seed, dataset: dataset, kind: .tb, partition: .fold(index: 0, count: 4)) }
}

@Test func aSplitFileGivesTheCleanProtocolItsThreePartsAndTheSeedProtocolItsTrainAndTest() throws {
    let dataset = try DatasetReader.read(try Fixtures.tuberculosis.get())
    let images = dataset.allImages
    func entries(_ part: ArraySlice<LabeledImage>) -> String {
        "[" + part.map { "[\"\($0.path)\", \($0.label)]" }.joined(separator: ", ") + "]"
    }
    let third = images.count / 3
    let directory = try References.temporaryDirectory("run-data-split")
    let full = directory.appendingPathComponent("default.json"), partial = directory.appendingPathComponent("no-validation.json")
    try Data("{\"train\": \(entries(images[..<third])), \"validation\": \(entries(images[third..<(2 * third)])), \"test\": \(entries(images[(2 * third)...]))}".utf8).write(to: full)
    try Data("{\"train\": \(entries(images[..<third])), \"test\": \(entries(images[(2 * third)...]))}".utf8).write(to: partial)

    let file = try SplitFile.read(full, against: dataset)
    let clean = try RunData(.clean, dataset: dataset, kind: .tb, partition: .file(file))
    #expect(clean.train.images == file.splits[0].images && clean.validation.images == file.splits[1].images && clean.test.images == file.splits[2].images)
    #expect(clean.notes.contains { $0.contains("default.json") && $0.contains(String(file.digest.prefix(12))) })

    let seedFile = try SplitFile.read(partial, against: dataset)
    let seed = try RunData(.seed, dataset: dataset, kind: .tb, partition: .file(seedFile))
    #expect(seed.train.images == seedFile.splits[0].images && seed.test.images == seedFile.splits[1].images && seed.validation.images == seed.test.images)
    #expect {
        try RunData(.clean, dataset: dataset, kind: .tb, partition: .file(seedFile))
    } throws: { error in
        "\(error)".contains("no-validation.json") && "\(error)".contains("validation")
    }
}

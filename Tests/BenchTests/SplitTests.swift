import Foundation
import Testing
@testable import Bench

private func images(normal: Int, tuberculosis: Int) -> [LabeledImage] {
    (0..<normal).map { LabeledImage(path: String(format: "CXR_png/CHNCXR_%04d_0.png", $0), label: 0) }
        + (0..<tuberculosis).map { LabeledImage(path: String(format: "CXR_png/CHNCXR_%04d_1.png", 1000 + $0), label: 1) }
}

@Test func stratifiedSplitKeepsClassProportionsAndIsSeeded() throws {
    let all = images(normal: 406, tuberculosis: 394)  // the notebooks' 800-image union
    let parts: [(name: String, fraction: Double)] = [("train", 0.8), ("validation", 0.1), ("test", 0.1)]
    let splits = try StratifiedSplitter(seed: 2019).split(all, into: parts)
    #expect(splits.map(\.name) == ["train", "validation", "test"])
    #expect(splits.map { $0.classCounts(classCount: 2) } == [[325, 315], [41, 40], [40, 39]])  // ties in the remainder go to the earlier part
    #expect(Set(splits.flatMap(\.images)) == Set(all))
    #expect(splits.flatMap(\.images).count == all.count)
    #expect(try StratifiedSplitter(seed: 2019).split(all, into: parts) == splits)
    #expect(try StratifiedSplitter(seed: 2020).split(all, into: parts) != splits)
    #expect(throws: DataError.self) { try StratifiedSplitter(seed: 1).split(all, into: [("a", 0.5), ("b", 0.6)]) }
}

@Test func foldsPartitionTheImagesWithBalancedClasses() throws {
    let all = images(normal: 23, tuberculosis: 17)
    let folds = try StratifiedSplitter(seed: 5).folds(all, count: 5)
    #expect(folds.count == 5)
    let validation = folds.flatMap(\.validation.images)
    #expect(validation.count == all.count && Set(validation) == Set(all))
    for fold in folds {
        #expect(Set(fold.train.images).isDisjoint(with: fold.validation.images))
        #expect(fold.train.images.count + fold.validation.images.count == all.count)
        #expect((7...9).contains(fold.validation.images.count))
        let counts = fold.validation.classCounts(classCount: 2)
        #expect((4...5).contains(counts[0]) && (3...4).contains(counts[1]), "\(counts)")
    }
}

@Test func balancedClassWeights() {
    #expect(ClassWeights.balanced(counts: [300, 100]) == [Float(400.0 / 600.0), 2])
    #expect(ClassWeights.balanced(counts: [5, 0]) == [Float(0.5), 0])
}

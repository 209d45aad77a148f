import Foundation
import Testing
@testable import Bench

/// describe finds corrupt files and the same image in two splits (DermMel's leakage).
@Test func describeReportsCountsStorageCorruptFilesAndLeakage() throws {
    let original = try Fixtures.melanoma.get()
    let root = try References.temporaryDirectory("describe")
    try FileManager.default.removeItem(at: root)
    try FileManager.default.copyItem(at: original, to: root)
    let dataset = try DatasetReader.read(root)
    let train = try #require(dataset.split(named: "train")).images
    try FileManager.default.copyItem(at: dataset.url(of: train[0]),
                                     to: root.appendingPathComponent("DermMel/test/Melanoma/leaked_copy.jpg"))
    let truncated = dataset.url(of: train[1])
    let bytes = try Data(contentsOf: truncated)
    try bytes.prefix(bytes.count / 3).write(to: truncated)

    let description = try DatasetDescription.describe(try DatasetReader.read(root))
    #expect(description.splits.map(\.classCounts) == [[3, 3], [1, 1], [2, 1]])
    #expect(description.sizes.map(\.value) == ["600x450"])
    #expect(description.storage.map(\.value) == ["JPEG rgb 8-bit"])
    #expect(description.bad.count == 1 && description.bad.first?.path == train[1].path)
    #expect(description.bad.first?.problem.contains("Premature end of JPEG file") == true)
    #expect(description.crossSplitDuplicates == 1)
    let markdown = description.markdown()
    #expect(markdown.contains("| train | 3 | 3 | 6 |"))
    #expect(markdown.contains("ACROSS SPLITS"))
    #expect(markdown.contains("Unreadable or corrupt files: 1."))
    #expect(try JSONSerialization.jsonObject(with: description.json()) is [String: Any])
}

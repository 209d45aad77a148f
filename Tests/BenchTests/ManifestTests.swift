import Foundation
import Testing
@testable import Bench

@Test func manifestRecordsHashesAndRefusesChangedFiles() throws {
    let original = try Fixtures.melanoma.get()
    let root = try References.temporaryDirectory("manifest")
    try FileManager.default.removeItem(at: root)
    try FileManager.default.copyItem(at: original, to: root)
    let dataset = try DatasetReader.read(root)
    let test = try #require(dataset.split(named: "test"))
    let manifest = try Manifest.make(test, of: dataset)
    #expect(manifest.images.count == test.images.count)
    #expect(manifest.images.allSatisfy { $0.sha256.count == 64 })
    let file = root.appendingPathComponent("test-manifest.json")
    try manifest.write(to: file)
    let reread = try Manifest.read(from: file)
    #expect(reread == manifest && reread.digest == manifest.digest)
    #expect(reread.dataset().split(named: "test") == test)
    try reread.verify()

    let changed = root.appendingPathComponent(test.images[0].path)
    var bytes = try Data(contentsOf: changed)
    bytes[bytes.count / 2] ^= 1
    try bytes.write(to: changed)
    try FileManager.default.removeItem(at: root.appendingPathComponent(test.images[1].path))
    let error = #expect(throws: DataError.self) { try reread.verify() }
    #expect(error?.kind == .badManifest)
    #expect(error?.problem.contains("2 of \(test.images.count) files differ") == true, "\(String(describing: error))")
    #expect(error?.problem.contains("\(test.images[0].path) changed") == true)
    #expect(error?.problem.contains("\(test.images[1].path) is missing") == true)

    try Data("{}".utf8).write(to: file)
    #expect(throws: DataError.self) { try Manifest.read(from: file) }
}

@Test func runSplitsAreWrittenAsManifestsThatVerify() throws {
    let tuberculosis = try DatasetReader.read(try Fixtures.tuberculosis.get())
    let splits = try tuberculosis.runSplits(validationFraction: 0.25, testFraction: 0.25, seed: 2019)
    #expect(splits.map(\.name) == ["train", "validation", "test"])
    #expect(splits.map { $0.images.count } == [12, 6, 6])
    let directory = try References.temporaryDirectory("run-manifests")
    let manifests = try Manifest.writeAll(splits, of: tuberculosis, to: directory)
    #expect(manifests.count == splits.count)
    for (split, manifest) in zip(splits, manifests) {
        let reread = try Manifest.read(from: directory.appendingPathComponent("\(split.name).manifest.json"))
        #expect(reread == manifest)
        try reread.verify()
    }
    let dermMel = try DatasetReader.read(try Fixtures.melanoma.get())
    #expect(try dermMel.runSplits(validationFraction: 0.1, testFraction: 0.1, seed: 1) == dermMel.splits)
}

import Foundation
import Testing
import TestSupport
@testable import Bench

@Test func tuberculosisLayoutTakesLabelsFromTheSuffixAndOnlyCXRpng() throws {
    let root = try Fixtures.tuberculosis.get()
    try Fixtures.touch(root, "ChinaSet_AllFiles/CXR_png/Thumbs.db")
    defer { try? FileManager.default.removeItem(at: root.appendingPathComponent("ChinaSet_AllFiles/CXR_png/Thumbs.db")) }
    let dataset = try DatasetReader.read(root)
    #expect(dataset.layout == .tuberculosis)
    #expect(dataset.classNames == ["normal", "tuberculosis"])
    let images = try #require(dataset.split(named: "all")).images
    #expect(images.count == 24)
    #expect(Set(images.map { $0.path.components(separatedBy: "/")[0] }) == ["ChinaSet_AllFiles", "MontgomerySet"])
    for image in images {
        #expect(image.path.contains("/CXR_png/"), "\(image.path)")
        #expect(image.path.hasSuffix("_\(image.label).png"), "\(image.path)")
    }
    #expect(dataset.ignored == ["ChinaSet_AllFiles/CXR_png/Thumbs.db"])
    #expect(DatasetReader.tuberculosisLabel("MCUCXR_0104_1.png") == 1)
    #expect(DatasetReader.tuberculosisLabel("CHNCXR_0001_2.png") == nil)
    #expect(DatasetReader.tuberculosisLabel("CHNCXR_0001_0.txt") == nil)
}

@Test func dermMelLayoutReadsItsSplitsAndClasses() throws {
    let root = try Fixtures.melanoma.get()
    let dataset = try DatasetReader.read(root)
    #expect(dataset.layout == .dermMel)
    #expect(dataset.classNames == ["Melanoma", "NotMelanoma"])
    #expect(dataset.splits.map(\.name) == ["train", "validation", "test"])
    #expect(dataset.splits.map { $0.images.count } == [6, 2, 2])
    for split in dataset.splits {
        #expect(split.classCounts(classCount: 2) == [split.images.count / 2, split.images.count / 2])
        for image in split.images {
            #expect(image.path.contains(image.label == 0 ? "/Melanoma/" : "/NotMelanoma/"))
        }
    }
    #expect(dataset.allImages.contains { $0.path.hasSuffix(".jpeg") })
}

/// Class order, file order and extension rules equal flow_from_directory's on the same tree.
@Test func classFoldersListLikeKerasFlowFromDirectory() throws {
    let root = try References.temporaryDirectory("class-folders")
    for path in ["B/x.PNG", "B/y.jpeg", "B/z.txt", "B/w.tiff", "B/v.bmp", "a10/Z.jpg", "a10/a.png", "a10/a.png.bak",
                 "a2/sub/q.ppm", "a2/sub/p.JPG", "a2/r.tif", "a2/sub/deeper/s.jpg", "a2/_first.png"] {
        try Fixtures.touch(root, path)
    }
    let output = try References.temporaryDirectory("keras-listing").appendingPathComponent("keras.json")
    let result = try TestEnvironment.runPython("data/keras_directory_listing.py", [root.path, output.path])
    try #require(result.status == 0, "\(result.stderr.suffix(1500))")
    struct Listing: Decodable {
        struct File: Decodable, Equatable {
            let path: String
            let label: Int
        }
        let class_indices: [String: Int]
        let files: [File]
    }
    let keras = try References.json(Listing.self, output)
    let dataset = try DatasetReader.read(root)
    #expect(dataset.layout == .classFolders)
    #expect(dataset.classNames == keras.class_indices.sorted { $0.value < $1.value }.map(\.key))
    let zoo = try #require(dataset.split(named: "all")).images.map { Listing.File(path: $0.path, label: $0.label) }
    #expect(zoo == keras.files)
    #expect(dataset.ignored == ["B/z.txt", "a10/a.png.bak"])
}

@Test func splitFoldersAboveClassFoldersAreSplits() throws {
    let root = try References.temporaryDirectory("train-test")
    for path in ["Train/0/a.png", "Train/1/b.png", "Train/1/c.png", "Test/0/d.png", "Test/1/e.png"] {
        try Fixtures.touch(root, path)
    }
    let dataset = try DatasetReader.read(root)
    #expect(dataset.classNames == ["0", "1"])
    #expect(dataset.splits.map(\.name) == ["Test", "Train"])
    #expect(dataset.split(named: "Train")?.images == [LabeledImage(path: "Train/0/a.png", label: 0),
                                                     LabeledImage(path: "Train/1/b.png", label: 1),
                                                     LabeledImage(path: "Train/1/c.png", label: 1)])
    try Fixtures.touch(root, "Test/2/f.png")
    let error = #expect(throws: DataError.self) { try DatasetReader.read(root) }
    #expect(error?.kind == .badLayout)
}

@Test func aMissingDirectoryIsAnErrorNamingIt() {
    let error = #expect(throws: DataError.self) { try DatasetReader.read(URL(fileURLWithPath: "/nonexistent/DermMel")) }
    #expect(error?.description == "/nonexistent/DermMel: not a directory")
}

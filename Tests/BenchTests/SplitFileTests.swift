import Foundation
import Testing
import TestSupport
@testable import Bench

/// Split files: mednet's published JSON (the real files from its PyPI wheel, and files in the same
/// form written here against the synthetic Shenzhen/Montgomery set) and Zoo's own manifests.

/// A mednet-style file over the synthetic set, with mednet's `CXR_png/NAME.png` paths (relative to
/// one set's folder, while the dataset root holds both sets): every third image to test, every
/// fifth of the rest to validation.
private func publishedSplit(_ dataset: Dataset) -> (json: String, splits: [String: [LabeledImage]]) {
    var splits: [String: [LabeledImage]] = [:]
    for (index, image) in dataset.allImages.enumerated() {
        splits[index % 3 == 0 ? "test" : index % 5 == 1 ? "validation" : "train", default: []].append(image)
    }
    let json = SplitFile.splitNames.map { name in
        let entries = splits[name, default: []].map { "[\"CXR_png/\($0.path.split(separator: "/").last!)\", \($0.label)]" }
        return "  \"\(name)\": [\n    " + entries.joined(separator: ",\n    ") + "\n  ]"
    }.joined(separator: ",\n")
    return ("{\n\(json)\n}\n", splits)
}

private func write(_ text: String, _ name: String) throws -> URL {
    let url = try References.temporaryDirectory("split-file").appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url
}

@Test func publishedSplitFileGivesItsSplitsWithTheDatasetsPaths() throws {
    let dataset = try DatasetReader.read(try Fixtures.tuberculosis.get())
    let (json, expected) = publishedSplit(dataset)
    let url = try write(json, "default.json")
    let file = try SplitFile.read(url, against: dataset)
    #expect(file.splits.map(\.name) == ["train", "validation", "test"])
    for split in file.splits { #expect(split.images == expected[split.name], "\(split.name)") }
    let sha256sum = try TestEnvironment.run("/usr/bin/env", ["sha256sum", url.path])
    #expect(file.digest == String(sha256sum.stdout.prefix(64)), "\(sha256sum.stderr)")
    #expect(file.applied(to: dataset).splits == file.splits)
}

@Test(arguments: [
    ("missing image", #"{"train": [["CXR_png/MCUCXR_9999_0.png", 0]]}"#, "entry train[0] (CXR_png/MCUCXR_9999_0.png): no such image in the dataset folder"),
    ("unknown split", #"{"training": [], "test": []}"#, "unknown split 'training'; expected train, validation, test"),
    ("empty split", #"{"validation": []}"#, "split 'validation' is empty"),
    ("list of folds", #"[{"train": []}]"#, "expected an object with train/validation/test lists of [path, label]"),
    ("label not a number", #"{"test": [["CXR_png/x.png", "1"]]}"#, "entry test[0][1]: expected an integer label"),
    ("three items", #"{"test": [["CXR_png/x.png", 1, 2]]}"#, "entry test[0][2]: expected [path, label], found more than two items"),
])
func malformedSplitFilesAreRefusedNamingThePlace(_ example: (name: String, json: String, problem: String)) throws {
    let dataset = try DatasetReader.read(try Fixtures.tuberculosis.get())
    let url = try write(example.json, "\(example.name).json")
    let error = #expect(throws: DataError.self, "\(example.name)") { try SplitFile.read(url, against: dataset) }
    #expect(error?.kind == .badSplitFile)
    #expect(error?.file == url.path)
    #expect(error?.problem.hasPrefix(example.problem) == true, "\(example.name): \(String(describing: error))")
}

@Test func syntaxErrorsSayWhere() throws {
    let dataset = try DatasetReader.read(try Fixtures.tuberculosis.get())
    let url = try write("{\n  \"train\": [\n    [\"CXR_png/a.png\" 0]\n  ]\n}\n", "broken.json")
    let error = #expect(throws: DataError.self) { try SplitFile.read(url, against: dataset) }
    // The 0 where a comma belongs: line 3, column 22 (byte 36, as JSONSerialization counts from 0).
    #expect(error?.problem == "not valid JSON at line 3, column 22: Invalid value around character 36.", "\(String(describing: error))")
}

@Test func entriesThatContradictTheFolderAreRefusedNamingTheEntry() throws {
    let dataset = try DatasetReader.read(try Fixtures.tuberculosis.get())
    let (json, splits) = publishedSplit(dataset)
    let first = try #require(splits["train"]?.first), second = try #require(splits["test"]?.dropFirst().first)
    let firstName = "CXR_png/\(first.path.split(separator: "/").last!)", secondName = "CXR_png/\(second.path.split(separator: "/").last!)"
    func refused(_ text: String) throws -> DataError? {
        let url = try write(text, "bad.json")
        let error = #expect(throws: DataError.self) { try SplitFile.read(url, against: dataset) }
        #expect(error?.file == url.path && error?.kind == .badSplitFile)
        return error
    }

    let flipped = try refused(json.replacingOccurrences(of: "\"\(firstName)\", \(first.label)", with: "\"\(firstName)\", \(1 - first.label)"))
    #expect(flipped?.problem == "entry train[0] (\(firstName)): label \(1 - first.label) contradicts the file name's _\(first.label) suffix")

    let outOfRange = try refused(json.replacingOccurrences(of: "\"\(firstName)\", \(first.label)", with: "\"\(firstName)\", 2"))
    #expect(outOfRange?.problem == "entry train[0] (\(firstName)): label 2 is not a class of this dataset (0 = normal, 1 = tuberculosis)")

    let duplicated = try refused(json.replacingOccurrences(of: "\"\(secondName)\", \(second.label)", with: "\"\(firstName)\", \(first.label)"))
    #expect(duplicated?.problem.hasPrefix("entry test[1] (\(firstName)): listed again; train[0] already has it") == true,
            "\(String(describing: duplicated))")
}

/// The files mednet ships in its wheel, read against a folder holding both sets side by side (empty
/// files: reading a split never decodes). Expected counts are the files' own, as Python counts them.
@Test func mednetsPublishedMontgomerySplitsAreRead() throws {
    let published = try References.temporaryDirectory("mednet")
    try TestEnvironment.generateReference("data/mednet_splits.py", into: published)
    let root = try References.temporaryDirectory("mednet-folder")
    for (set, file) in [("MontgomerySet", "montgomery-default.json"), ("ChinaSet_AllFiles", "shenzhen-default.json")] {
        let splits = try JSONSerialization.jsonObject(with: Data(contentsOf: published.appendingPathComponent(file))) as? [String: [[Any]]]
        for entry in try #require(splits).values.joined() {
            try Fixtures.touch(root, "\(set)/\(try #require(entry.first as? String))")
        }
    }
    let dataset = try DatasetReader.read(root)
    #expect(dataset.allImages.count == 138 + 662)
    func counts(_ file: String) throws -> [String: [Int]] {
        let read = try SplitFile.read(published.appendingPathComponent(file), against: dataset)
        return Dictionary(uniqueKeysWithValues: read.splits.map { ($0.name, $0.classCounts(classCount: 2)) })
    }
    #expect(try counts("montgomery-default.json") == ["train": [51, 37], "validation": [13, 9], "test": [16, 12]])
    #expect(try counts("montgomery-fold-0.json") == ["train": [57, 42], "validation": [15, 10], "test": [8, 6]])
    #expect(try counts("shenzhen-default.json") == ["train": [207, 215], "validation": [53, 54], "test": [66, 67]])

    // mednet's montgomery_shenzhen split: both files, same-named splits concatenated.
    let both = try SplitFile.read(["montgomery-default.json", "shenzhen-default.json"].map(published.appendingPathComponent), against: dataset)
    #expect(both.splits.map { $0.classCounts(classCount: 2) } == [[258, 252], [66, 63], [82, 79]])
    // Two folds of one set share images: refused.
    let folds = ["montgomery-default.json", "montgomery-fold-0.json"].map(published.appendingPathComponent)
    let error = #expect(throws: DataError.self) { try SplitFile.read(folds, against: dataset) }
    #expect(error?.file == folds[1].path)
    #expect(error?.problem.contains("also listed by \(folds[0].path): ") == true, "\(String(describing: error))")
}

@Test func zooManifestsRoundTripAsASplitFile() throws {
    let root = try References.temporaryDirectory("manifest-split")
    try FileManager.default.removeItem(at: root)
    try FileManager.default.copyItem(at: try Fixtures.tuberculosis.get(), to: root)
    let dataset = try DatasetReader.read(root)
    let splits = try dataset.runSplits(validationFraction: 0.25, testFraction: 0.25, seed: 2019)
    let directory = try References.temporaryDirectory("manifests")
    _ = try Manifest.writeAll(splits, of: dataset, to: directory)
    let urls = ["test", "train", "validation"].map { directory.appendingPathComponent("\($0).manifest.json") }
    let file = try SplitFile.read(urls, against: dataset)
    #expect(file.splits == splits)
    #expect(file.sources.map(\.path) == urls.map(\.path))

    let changed = root.appendingPathComponent(splits[2].images[1].path)
    var bytes = try Data(contentsOf: changed)
    bytes[bytes.count / 2] ^= 1
    try bytes.write(to: changed)
    let error = #expect(throws: DataError.self) { try SplitFile.read(urls, against: dataset) }
    #expect(error?.file == urls[0].path)
    #expect(error?.problem == "entry test[1] (\(splits[2].images[1].path)): the file changed since the manifest was made")
}

/// `zoo data describe DIR --split FILE` counts the file's splits; a bad file is a one-line error
/// naming the file and the entry, with a failing status.
@Test func zooDataDescribeCountsASplitFile() throws {
    let zoo = try TestEnvironment.zooBinary()
    let folder = try Fixtures.tuberculosis.get()
    let dataset = try DatasetReader.read(folder)
    let (json, splits) = publishedSplit(dataset)
    let url = try write(json, "default.json")
    let describe = try TestEnvironment.run(zoo, ["data", "describe", folder.path, "--split", url.path])
    #expect(describe.status == 0, "\(describe.stderr)")
    for name in SplitFile.splitNames {
        let counts = Split(name: name, images: splits[name, default: []]).classCounts(classCount: 2)
        #expect(describe.stdout.contains("| \(name) | \(counts[0]) | \(counts[1]) | \(counts[0] + counts[1]) |"), "\(describe.stdout)")
    }
    #expect(describe.stdout.contains("Splits from \(url.path), SHA-256 "), "\(describe.stdout)")

    let bad = try write(#"{"test": [["CXR_png/MCUCXR_9999_1.png", 1]]}"#, "bad.json")
    let refused = try TestEnvironment.run(zoo, ["data", "describe", folder.path, "--split", bad.path])
    #expect(refused.status != 0)
    #expect(refused.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        == "Error: \(bad.path): entry test[0] (CXR_png/MCUCXR_9999_1.png): no such image in the dataset folder")
}

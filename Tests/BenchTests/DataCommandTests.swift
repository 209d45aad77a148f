import Foundation
import Testing
import TestSupport

/// The command line end to end: synth writes a dataset that describe reads back; errors are one
/// line naming the file, with a failing exit status.
@Test func zooDataSynthThenDescribe() throws {
    let zoo = try TestEnvironment.zooBinary()
    let out = try synthesize("tb", count: 8, files: 17)
    let json = out.deletingLastPathComponent().appendingPathComponent("description.json")
    let describe = try TestEnvironment.run(zoo, ["data", "describe", out.path])
    #expect(describe.status == 0, "\(describe.stderr)")
    #expect(describe.stdout.contains("Layout: tuberculosis (Shenzhen/Montgomery). Classes"), "\(describe.stdout)")
    #expect(describe.stdout.contains("| all | 4 | 4 | 8 |"), "\(describe.stdout)")
    #expect(describe.stdout.contains("| PNG gray 16-bit | 1 |"), "\(describe.stdout)")
    #expect(describe.stdout.contains("Duplicate files (same SHA-256): 0 groups, 0 across splits."), "\(describe.stdout)")

    // --json prints JSON; -o writes what would be printed to a file instead.
    let printed = try TestEnvironment.run(zoo, ["data", "describe", out.path, "--json"])
    #expect(printed.status == 0, "\(printed.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(printed.stdout.utf8)) as? [String: Any]
    #expect(object?["layout"] as? String == "tuberculosis", "\(printed.stdout.prefix(300))")
    let written = try TestEnvironment.run(zoo, ["data", "describe", out.path, "--json", "-o", json.path])
    #expect(written.status == 0 && written.stdout.isEmpty, "\(written.stderr)")
    #expect(try Data(contentsOf: json) == Data(printed.stdout.utf8))

    // -o through a symbolic link: refused without --force (the link and its target stay), written into the target with it.
    let link = out.deletingLastPathComponent().appendingPathComponent("latest.json")
    try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "description.json")
    try Data("an earlier description".utf8).write(to: json)
    let refused = try TestEnvironment.run(zoo, ["data", "describe", out.path, "--json", "-o", link.path])
    #expect(refused.status == 1 && refused.stderr.hasPrefix("Error: \(link.path): is a symbolic link to \(json.path); pass --force"), "\(refused.stderr)")
    #expect(try String(contentsOf: json, encoding: .utf8) == "an earlier description")
    let forced = try TestEnvironment.run(zoo, ["data", "describe", out.path, "--json", "-o", link.path, "--force"])
    #expect(forced.status == 0, "\(forced.stderr)")
    #expect(try Data(contentsOf: json) == Data(printed.stdout.utf8))
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "description.json")

    let missing = try TestEnvironment.run(zoo, ["data", "describe", "/nonexistent/DermMel"])
    #expect(missing.status != 0)
    #expect(missing.stderr.trimmingCharacters(in: .whitespacesAndNewlines) == "Error: /nonexistent/DermMel: not a directory")
}

/// `zoo data synth melanoma` writes DermMel's layout: each split read by Keras' flow_from_directory
/// (the notebooks' loader) finds the two classes in DermMel's order, and Pillow reads every file as a
/// 600x450 RGB JPEG; `zoo data describe` counts what Keras and Pillow found.
@Test func zooDataSynthMelanomaIsReadByKeras() throws {
    let zoo = try TestEnvironment.zooBinary()
    let out = try synthesize("melanoma", count: 10, files: 10)

    let script = """
    import collections, json, os, sys
    from PIL import Image
    from keras.src.legacy.preprocessing.image import ImageDataGenerator
    root = os.path.join(sys.argv[1], "DermMel")
    splits, storage = {}, collections.Counter()
    for split in sorted(os.listdir(root)):
        iterator = ImageDataGenerator().flow_from_directory(os.path.join(root, split), shuffle=False)
        splits[split] = {"classes": iterator.class_indices, "counts": [int((iterator.classes == i).sum()) for i in range(2)]}
        for name in iterator.filenames:
            with Image.open(os.path.join(root, split, name)) as image:
                storage[f"{image.format} {image.mode} {image.size[0]}x{image.size[1]}"] += 1
    print(json.dumps({"splits": splits, "storage": storage}))
    """
    let keras = try TestEnvironment.run(try TestEnvironment.python(), ["-c", script, out.path], environment: ["TF_CPP_MIN_LOG_LEVEL": "3"])
    try #require(keras.status == 0, "\(keras.stderr)")
    struct Split: Decodable { let classes: [String: Int]; let counts: [Int] }
    struct Listing: Decodable { let splits: [String: Split]; let storage: [String: Int] }
    let listing = try JSONDecoder().decode(Listing.self, from: Data(keras.stdout.split(separator: "\n").last.map { Data($0.utf8) } ?? Data()))
    #expect(Set(listing.splits.keys) == ["train_sep", "valid", "test"])
    #expect(listing.storage == ["JPEG RGB 600x450": 10])

    let describe = try TestEnvironment.run(zoo, ["data", "describe", out.path])
    #expect(describe.status == 0, "\(describe.stderr)")
    #expect(describe.stdout.contains("Layout: DermMel. Classes (index order): 0 = Melanoma, 1 = NotMelanoma."), "\(describe.stdout)")
    for (split, row) in [("train_sep", "train"), ("valid", "validation"), ("test", "test")] {
        let found = try #require(listing.splits[split])
        #expect(found.classes == ["Melanoma": 0, "NotMelanoma": 1])
        #expect(found.counts.reduce(0, +) > 0)
        let expected = "| \(row) | \(found.counts[0]) | \(found.counts[1]) | \(found.counts.reduce(0, +)) |"
        #expect(describe.stdout.contains(expected), "\(expected) in \(describe.stdout)")
    }
    #expect(describe.stdout.contains("| 600x450 | 10 |") && describe.stdout.contains("| JPEG rgb 8-bit | 10 |"), "\(describe.stdout)")
}

/// Photographs of many sizes are summarised (range, median, the commonest sizes), not listed one row per size; two
/// copies of one file are "1 group".
@Test func zooDataDescribeSummarisesManySizes() throws {
    let root = try References.temporaryDirectory("sizes").appendingPathComponent("photos")
    let script = """
    import os, shutil, sys
    from PIL import Image
    root = sys.argv[1]
    for index, (width, height) in enumerate([(30, 20), (31, 20), (32, 21), (40, 30), (50, 40), (60, 45), (60, 45), (90, 70)]):
        folder = os.path.join(root, "a" if index % 2 else "b")
        os.makedirs(folder, exist_ok=True)
        Image.new("RGB", (width, height), (index * 20, 40, 90)).save(os.path.join(folder, f"{index}.png"))
    shutil.copy(os.path.join(root, "b", "0.png"), os.path.join(root, "a", "copy.png"))
    """
    let written = try TestEnvironment.run(try TestEnvironment.python(), ["-c", script, root.path])
    try #require(written.status == 0, "\(written.stderr)")
    let describe = try TestEnvironment.run(try TestEnvironment.zooBinary(), ["data", "describe", root.path])
    #expect(describe.status == 0, "\(describe.stderr)")
    #expect(describe.stdout.contains("Layout: Keras class folders."), "\(describe.stdout)")
    #expect(describe.stdout.contains("Image sizes: 7 distinct. Width min / median / max: 30 / 40 / 90; height: 20 / 30 / 70."), "\(describe.stdout)")
    #expect(describe.stdout.contains("| 30x20 | 2 |") && describe.stdout.contains("| 60x45 | 2 |"), "\(describe.stdout)")
    #expect(describe.stdout.contains("| (2 other sizes) | 2 |"), "\(describe.stdout)")
    #expect(describe.stdout.contains("Duplicate files (same SHA-256): 1 group, 0 across splits."), "\(describe.stdout)")
}

/// `zoo data synth KIND` into a fresh directory, which it returns; the progress line counts `files`.
private func synthesize(_ kind: String, count: Int, files: Int) throws -> URL {
    let out = try References.temporaryDirectory("cli").appendingPathComponent(kind)
    let synth = try TestEnvironment.run(TestEnvironment.zooBinary(), ["data", "synth", kind, "--out", out.path, "--count", "\(count)", "--seed", "3"])
    #expect(synth.status == 0, "\(synth.stderr)")
    #expect(synth.stderr.contains("writing \(kind) files: \(files)/\(files) (100%)"), "progress: \(synth.stderr)")
    return out
}

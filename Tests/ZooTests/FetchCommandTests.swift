import Foundation
import TestSupport
import Testing
import Zoo

/// `zoo fetch` against a real HTTP server on loopback (Tests/HTTPServer/weights_server.py) with a small file and
/// `--url`/`--hash` in place of the published 58 MB weights: a good download into Keras' cache and its reuse, a
/// redirect, a 404, a wrong hash, a truncated transfer resumed by a Range request, a stalled server, a server that
/// ignores Range, and `--list` refusing a damaged cached copy. Each failure must name the file, the URL and the
/// problem, exit non-zero and leave no file under the published name.
///
/// Serialized: children started here inherit the test process's open descriptors (Foundation's Process leaves them
/// open), so a server started during another test's `zoo` run could hold that run's output pipes open.
@Suite(.serialized) struct FetchCommandTests {
    static let name = "vgg16-notop"
    static let fileName = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
    static let size = 300_000

    /// A scratch folder with the served file, a Keras home and a home folder of its own, and the server.
    final class Setup {
        let directory: URL
        let server: LoopbackWeightsServer
        let content: Data
        let md5: String
        var kerasHome: URL { directory.appendingPathComponent("keras") }
        var output: URL { directory.appendingPathComponent("out") }
        var environment: [String: String] {
            ["KERAS_HOME": kerasHome.path, "HOME": directory.appendingPathComponent("home").path]
        }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-fetch-\(UUID().uuidString)")
            let served = directory.appendingPathComponent("served")
            try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
            // Deterministic bytes no compression or caching layer could shortcut.
            var state: UInt64 = 2019
            content = Data((0..<FetchCommandTests.size).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: state >> 56)
            })
            try content.write(to: served.appendingPathComponent("weights.bin"))
            md5 = try FetchCommandTests.md5sum(served.appendingPathComponent("weights.bin"))
            server = try LoopbackWeightsServer(root: served)
        }

        deinit {
            server.stop()
            try? FileManager.default.removeItem(at: directory)
        }

        func fetch(_ path: String, hash: String? = nil, _ extra: [String] = []) throws -> TestEnvironment.Result {
            try TestEnvironment.run(TestEnvironment.zooBinary(),
                                    ["fetch", FetchCommandTests.name, "--url", server.url(path), "--hash", hash ?? md5] + extra,
                                    environment: environment)
        }

        func file(in folder: URL) -> URL { folder.appendingPathComponent(FetchCommandTests.fileName) }
        func partial(in folder: URL) -> URL { folder.appendingPathComponent(FetchCommandTests.fileName + ".partial") }
    }

    /// md5sum (coreutils), independent of the hash code under test.
    static func md5sum(_ file: URL) throws -> String {
        let result = try TestEnvironment.run("/usr/bin/md5sum", [file.path])
        try #require(result.status == 0, "md5sum: \(result.stderr)")
        return String(result.stdout.prefix(32))
    }

    @Test func downloadsIntoKerasCacheThenFindsItThere() throws {
        let setup = try Setup()
        let models = setup.kerasHome.appendingPathComponent("models")
        let first = try setup.fetch("files/weights.bin")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == setup.file(in: models).path + "\n")
        #expect(try Data(contentsOf: setup.file(in: models)) == setup.content)
        #expect(!FileManager.default.fileExists(atPath: setup.partial(in: models).path))
        #expect(first.stderr.contains("300,000 bytes, md5 \(setup.md5) verified"), "\(first.stderr)")
        #expect(first.stderr.contains("convert it with: zoo convert '\(setup.file(in: models).path)' --arch vgg16-notop -o vgg16-notop.safetensors"),
                "\(first.stderr)")

        let second = try setup.fetch("files/weights.bin", ["--quiet"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.isEmpty, "--quiet leaves only errors: \(second.stderr)")
        #expect(second.stdout == setup.file(in: models).path + "\n")
        #expect(setup.server.requests.count == 1, "the cached file is used, not downloaded again: \(setup.server.requests)")
    }

    /// A copy with another hash in Keras' cache is not used: it is named, and the download replaces it.
    @Test func damagedCachedCopyIsReplaced() throws {
        let setup = try Setup()
        let models = setup.kerasHome.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        try Data("an older, cut-off download".utf8).write(to: setup.file(in: models))
        let damagedMD5 = try Self.md5sum(setup.file(in: models))
        let result = try setup.fetch("files/weights.bin", ["--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("\(setup.file(in: models).path): md5 is \(damagedMD5), not \(setup.md5): not used"), "\(result.stderr)")
        #expect(try Data(contentsOf: setup.file(in: models)) == setup.content)
    }

    /// The download is renamed to the published name: a symbolic link there would be replaced and its target keep
    /// the wrong bytes, so a link to a file with another hash is refused before anything is downloaded, naming the
    /// file to give instead (fetch has no --force); a link to the right file is simply used.
    @Test func aSymbolicLinkAtTheDownloadIsRefused() throws {
        let setup = try Setup()
        try FileManager.default.createDirectory(at: setup.output, withIntermediateDirectories: true)
        let target = setup.directory.appendingPathComponent("elsewhere.h5")
        try Data("another file".utf8).write(to: target)
        try FileManager.default.createSymbolicLink(at: setup.file(in: setup.output), withDestinationURL: target)
        let refused = try setup.fetch("files/weights.bin", ["--to", setup.output.path, "--quiet"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "Error: \(setup.file(in: setup.output).path): cannot write the weights through a symbolic link: name the file it points to, \(target.path)\n",
                "\(refused.stderr)")
        #expect(setup.server.requests.isEmpty, "downloaded before refusing: \(setup.server.requests)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: setup.file(in: setup.output).path) == target.path)
        #expect(try String(contentsOf: target, encoding: .utf8) == "another file")

        try setup.content.write(to: target)
        let used = try setup.fetch("files/weights.bin", ["--to", setup.output.path, "--quiet"])
        #expect(used.status == 0, "\(used.stderr)")
        #expect(used.stdout == setup.file(in: setup.output).path + "\n" && setup.server.requests.isEmpty)
    }

    @Test func followsRedirect() throws {
        let setup = try Setup()
        let result = try setup.fetch("redirect/weights.bin", ["--to", setup.output.path, "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "--quiet: \(result.stderr)")
        #expect(try Data(contentsOf: setup.file(in: setup.output)) == setup.content)
        #expect(setup.server.requests.map { $0.split(separator: " ")[1] } == ["/redirect/weights.bin", "/files/weights.bin"])
    }

    @Test func httpErrorNamesStatusURLAndFile() throws {
        let setup = try Setup()
        let result = try setup.fetch("files/absent.bin", ["--to", setup.output.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(Self.fileName) from \(setup.server.url("files/absent.bin")): HTTP 404 for \(setup.server.url("files/absent.bin"))"),
                "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: setup.output.path).isEmpty)
    }

    @Test func wrongHashIsRefusedAndNothingKept() throws {
        let setup = try Setup()
        let other = "0123456789abcdef0123456789abcdef"
        let result = try setup.fetch("files/weights.bin", hash: other, ["--to", setup.output.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("md5 mismatch: expected \(other), got \(setup.md5) (300,000 bytes)"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: setup.output.path).isEmpty)
    }

    /// The connection closes after half the announced length: the half is kept, and the next run asks for the rest.
    @Test func truncatedDownloadIsKeptThenResumedByRange() throws {
        let setup = try Setup()
        let truncated = try setup.fetch("truncated/weights.bin", ["--to", setup.output.path])
        #expect(truncated.status != 0)
        #expect(truncated.stderr.contains("truncated: the server closed the connection after 150,000 of 300,000 bytes; the 150,000 bytes received are kept in \(setup.partial(in: setup.output).path)"),
                "\(truncated.stderr)")
        #expect(!FileManager.default.fileExists(atPath: setup.file(in: setup.output).path))
        #expect(try Data(contentsOf: setup.partial(in: setup.output)) == setup.content.prefix(150_000))

        let resumed = try setup.fetch("files/weights.bin", ["--to", setup.output.path])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming \(Self.fileName) from byte 150,000"), "\(resumed.stderr)")
        #expect(setup.server.requests.last == "GET /files/weights.bin range=bytes=150000-")
        #expect(try Data(contentsOf: setup.file(in: setup.output)) == setup.content)
        #expect(!FileManager.default.fileExists(atPath: setup.partial(in: setup.output).path))
    }

    /// 64 kB, then silence: given up after --timeout, what arrived kept for resuming.
    @Test func stalledServerTimesOut() throws {
        let setup = try Setup()
        let start = Date()
        let result = try setup.fetch("stall/weights.bin", ["--to", setup.output.path, "--timeout", "1"])
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(Self.fileName) from \(setup.server.url("stall/weights.bin")): no data for 1 s"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: setup.file(in: setup.output).path))
        let kept = try Data(contentsOf: setup.partial(in: setup.output))
        #expect(!kept.isEmpty && kept == setup.content.prefix(kept.count), "kept \(kept.count) bytes")
    }

    /// A server that answers a Range request with the whole file (200): the kept bytes are dropped, the file fetched whole.
    @Test func serverIgnoringRangeIsDownloadedWhole() throws {
        let setup = try Setup()
        try FileManager.default.createDirectory(at: setup.output, withIntermediateDirectories: true)
        try setup.content.prefix(1000).write(to: setup.partial(in: setup.output))
        let result = try setup.fetch("norange/weights.bin", ["--to", setup.output.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("the server does not resume downloads (no Range support)"), "\(result.stderr)")
        #expect(try Data(contentsOf: setup.file(in: setup.output)) == setup.content)
    }

    /// A `.partial` file that already holds the whole file (a run stopped before its rename): the server answers the
    /// Range request with 416, and the kept file, its hash checked, is renamed into place.
    @Test func completePartialFileIsFinished() throws {
        let setup = try Setup()
        try FileManager.default.createDirectory(at: setup.output, withIntermediateDirectories: true)
        try setup.content.write(to: setup.partial(in: setup.output))
        let result = try setup.fetch("files/weights.bin", ["--to", setup.output.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(setup.server.requests == ["GET /files/weights.bin range=bytes=300000-"])
        #expect(try Data(contentsOf: setup.file(in: setup.output)) == setup.content)
        #expect(!FileManager.default.fileExists(atPath: setup.partial(in: setup.output).path))
    }

    /// A second download of the same file while the first holds its `.partial` file is refused, not interleaved.
    @Test func concurrentDownloadOfTheSameFileIsRefused() throws {
        let setup = try Setup()
        try FileManager.default.createDirectory(at: setup.output, withIntermediateDirectories: true)
        let partial = setup.partial(in: setup.output)
        let descriptor = open(partial.path, O_WRONLY | O_CREAT, 0o644)
        try #require(descriptor >= 0 && flock(descriptor, LOCK_EX) == 0)
        defer { close(descriptor) }
        let result = try setup.fetch("files/weights.bin", ["--to", setup.output.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(partial.path) is locked: another zoo fetch is downloading this file"), "\(result.stderr)")
        #expect(setup.server.requests.isEmpty)
    }

    /// `--list`: every published file with its size and MD5, and a damaged cached copy shown as refused.
    @Test func listShowsPublishedFilesAndRefusesDamagedCopy() throws {
        let setup = try Setup()
        let models = setup.kerasHome.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        try setup.content.write(to: setup.file(in: models))
        let result = try TestEnvironment.run(TestEnvironment.zooBinary(), ["fetch", "--list"], environment: setup.environment)
        #expect(result.status == 0, "\(result.stderr)")
        let row = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("vgg16-notop ") })
        #expect(row.split(separator: " ") == ["vgg16-notop", "\(Self.fileName)", "58,889,256", "6d6bbae143d832006294945121d1f1fc",
                                              "REFUSED:", "\(setup.file(in: models).path)", "has", "md5", "\(setup.md5)"], "\(row)")
        let published = Registry.entries.filter { $0.publishedWeights != nil }
        #expect(published.count == 38, "VGG16, VGG19, ResNet50/101/152/50V2, DenseNet121/169/201, Xception, InceptionV3 and EfficientNetB0-B7, each with and without the top")
        #expect(result.stdout.split(separator: "\n").count == 1 + published.count, "a header and the published files: \(result.stdout)")
        // A size Keras quotes only in rounded megabytes is shown as unknown, not made up.
        let efficientNet = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("efficientnetb0 ") })
        #expect(efficientNet.split(separator: " ")[2] == "unknown", "\(efficientNet)")
    }

    @Test func namesWithoutPublishedWeightsAreRefused() throws {
        let zoo = try TestEnvironment.zooBinary()
        let unknown = try TestEnvironment.run(zoo, ["fetch", "vgg17"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("unknown name 'vgg17' (published weights: vgg16[-notop], vgg19[-notop], resnet50[-notop], resnet101[-notop], "),
                "\(unknown.stderr)")
        #expect(unknown.stderr.contains(", efficientnetb7[-notop])"), "\(unknown.stderr)")
        let notebook = try TestEnvironment.run(zoo, ["fetch", "tb-vgg16"])
        #expect(notebook.status != 0)
        #expect(notebook.stderr.contains("tb-vgg16 has no published weights with a hash to check them by"), "\(notebook.stderr)")
        // Keras downloads MobileNetV2's files without a hash.
        let unchecked = try TestEnvironment.run(zoo, ["fetch", "mobilenetv2-notop"])
        #expect(unchecked.status != 0)
        #expect(unchecked.stderr.contains("mobilenetv2-notop has no published weights with a hash"), "\(unchecked.stderr)")
    }
}

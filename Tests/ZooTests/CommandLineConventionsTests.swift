import Foundation
import Testing
import TestSupport

/// The command line's conventions, run the way a user runs `zoo`: the argv, the exit status, the exact first line of
/// standard error, and the files left behind.
@Suite(.serialized) struct CommandLineConventionsTests {
    /// `zoo data synth tb`'s files (8-bit Shenzhen-like and 16-bit Montgomery-like PNGs) and the small VGG converted,
    /// in a fresh folder; a cache folder of its own so the data hash check starts from nothing.
    struct Setup {
        let directory: URL
        let model: String
        let eightBit: [String]
        let sixteenBit: [String]
        var cache: URL { directory.appendingPathComponent("cache") }
        var environment: [String: String] { ["XDG_CACHE_HOME": cache.path] }

        init() throws {
            directory = try Converting.temporaryDirectory()
            model = try Verifying.convertKeras3("tiny_vgg", of: ReferenceSet.committed(), into: directory)
            let images = directory.appendingPathComponent("tb")
            let synth = try TestEnvironment.run(TestEnvironment.zooBinary(), ["data", "synth", "tb", "--out", images.path, "--count", "8", "--seed", "5"])
            try #require(synth.status == 0, "\(synth.stderr)")
            let files = try FileManager.default.subpathsOfDirectory(atPath: images.path).filter { $0.hasSuffix(".png") }.sorted()
                .map { images.appendingPathComponent($0).path }
            eightBit = files.filter { $0.contains("CHNCXR") }
            sixteenBit = files.filter { $0.contains("MCUCXR") }
            try #require(eightBit.count >= 2 && sixteenBit.count >= 2, "\(files)")
        }
    }

    /// A file that does not decode among good ones: every good image is predicted, the bad one is named, and the
    /// exit status says that one failed.
    @Test func predictGoesOnPastABadImage() throws {
        let setup = try Setup()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let bad = setup.directory.appendingPathComponent("notes.png").path
        try Data("not a picture".utf8).write(to: URL(fileURLWithPath: bad))
        let result = try zoo(["predict", setup.model, setup.eightBit[0], bad, setup.eightBit[1]], setup.environment)
        #expect(result.status == 1, "\(result.stderr)")
        let printed = result.stdout.split(separator: "\n").map(String.init)
        #expect(printed.count == 2 && printed[0].hasPrefix("\(setup.eightBit[0]): 1. class ") && printed[1].hasPrefix("\(setup.eightBit[1]): 1. class "),
                "\(result.stdout)")
        let errors = result.stderr.split(separator: "\n").map(String.init)
        #expect(errors.first?.hasPrefix("Error: \(bad): ") == true, "\(result.stderr)")
        #expect(errors.last == "Error: 1 of 3 images could not be predicted (named above); the other 2 were", "\(result.stderr)")
    }

    /// A 16-bit X-ray clipped by Keras' rule draws one warning per run that names --sixteen-bit; choosing a rule
    /// (either one) silences it.
    @Test func sixteenBitClippingIsWarnedOnce() throws {
        let setup = try Setup()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let clipped = try zoo(["predict", setup.model] + setup.sixteenBit, setup.environment)
        #expect(clipped.status == 0, "\(clipped.stderr)")
        let warnings = clipped.stderr.split(separator: "\n").filter { $0.hasPrefix("warning: ") }
        #expect(warnings.count == 1, "\(clipped.stderr)")
        #expect(warnings.first?.hasPrefix("warning: \(setup.sixteenBit[0]) is a 16-bit PNG: values above 255 are clipped to 255") == true, "\(clipped.stderr)")
        #expect(warnings.first?.contains("--sixteen-bit 12") == true)
        for rule in ["12", "clip"] {
            let chosen = try zoo(["predict", setup.model, "--sixteen-bit", rule] + setup.sixteenBit, setup.environment)
            #expect(chosen.status == 0 && chosen.stderr.isEmpty, "--sixteen-bit \(rule): \(chosen.stderr)")
        }
        let eightBit = try zoo(["predict", setup.model] + setup.eightBit, setup.environment)
        #expect(eightBit.status == 0 && eightBit.stderr.isEmpty, "\(eightBit.stderr)")
    }

    /// `predict` and `verify` check the data hash of a model file the first time they use it, refuse a damaged one, and
    /// take it with --no-verify. (A small file like this one is hashed on every use: it takes milliseconds.)
    @Test func aDamagedModelIsRefusedOnFirstUse() throws {
        let setup = try Setup()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let good = try zoo(["predict", setup.model, setup.eightBit[0]], setup.environment)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(!FileManager.default.fileExists(atPath: setup.cache.appendingPathComponent("zoo/verified").path), "small files are not remembered")

        // The last byte of the file is the last tensor's: the header still parses, the data no longer hashes right.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: setup.model))
        let end = try handle.seekToEnd()
        try handle.seek(toOffset: end - 1)
        let last = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: end - 1)
        try handle.write(contentsOf: Data([last ^ 0x40]))
        try handle.close()

        let golden = try TestEnvironment.activations(of: "tiny_vgg")
        for arguments in [["predict", setup.model, setup.eightBit[0]], ["verify", setup.model, "--golden", golden]] {
            let damaged = try zoo(arguments, setup.environment)
            #expect(damaged.status == 1, "\(arguments): \(damaged.stderr)")
            #expect(damaged.stderr.hasPrefix("Error: \(setup.model): data hash does not match (the file is damaged): "), "\(damaged.stderr)")
            #expect(damaged.stderr.contains("pass --no-verify to use it anyway"))
        }
        let skipped = try zoo(["predict", setup.model, setup.eightBit[0], "--no-verify"], setup.environment)
        #expect(skipped.status == 0, "\(skipped.stderr)")
    }

    /// `zoo convert --labels` records the class names in the file, `predict` prints them unless --labels overrides
    /// them, and a count that does not fit the output is refused before anything is written.
    @Test func classNamesRecordedAtConversion() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keras = try ReferenceSet.committed().root.appendingPathComponent("tiny_vgg/k3.keras").path
        let named = directory.appendingPathComponent("named.safetensors").path
        let names = ["daisy", "dandelion", "rose", "sunflower", "tulip"]
        let converted = try zoo(["convert", keras, "-o", named, "--labels", names.joined(separator: ","), "--quiet"])
        #expect(converted.status == 0, "\(converted.stderr)")
        let image = directory.appendingPathComponent("tb")
        _ = try zoo(["data", "synth", "tb", "--out", image.path, "--count", "2"])
        let png = try #require(try FileManager.default.subpathsOfDirectory(atPath: image.path).first { $0.hasSuffix(".png") && $0.contains("CHNCXR") })
        let predicted = try zoo(["predict", named, image.appendingPathComponent(png).path, "--top", "5"])
        #expect(predicted.status == 0, "\(predicted.stderr)")
        for name in names { #expect(predicted.stdout.contains(" (\(name)) "), "\(name): \(predicted.stdout)") }
        let overridden = try zoo(["predict", named, image.appendingPathComponent(png).path, "--labels", "a,b,c,d,e", "--top", "1"])
        #expect(overridden.stdout.range(of: #"1\. class \d \([a-e]\) "#, options: .regularExpression) != nil, "\(overridden.stdout)")

        let wrong = directory.appendingPathComponent("wrong.safetensors").path
        let refused = try zoo(["convert", keras, "-o", wrong, "--labels", "normal,tuberculosis"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "Error: \(keras): --labels gives 2 names for an output of 5 classes\n", "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: wrong))
    }

    /// Off a terminal (a log, a pipe) progress is one final line; --quiet leaves none.
    @Test func progressOffATerminalIsOneFinalLine() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let synth = try zoo(["data", "synth", "tb", "--out", directory.appendingPathComponent("tb").path, "--count", "4"])
        #expect(synth.status == 0)
        let lines = synth.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("writing tb files: ") && lines[0].contains("(100%)"), "\(synth.stderr)")
        #expect(!synth.stderr.contains("\r"), "no terminal line rewriting in a log")

        let keras = try ReferenceSet.committed().root.appendingPathComponent("tiny_vgg/k3.keras").path
        let converted = directory.appendingPathComponent("tiny.safetensors").path
        let loud = try zoo(["convert", keras, "-o", converted])
        #expect(loud.status == 0, "\(loud.stderr)")
        // The small file's size rounds to 0 MB: with nothing to count, no progress line at all (not "0/0 MB").
        #expect(!loud.stderr.contains("converting ") && !loud.stderr.contains("\r"), "\(loud.stderr)")
        let quiet = try zoo(["convert", keras, "-o", converted, "--force", "--quiet"])
        #expect(quiet.status == 0 && !quiet.stderr.contains("converting "), "\(quiet.stderr)")
    }

    /// `inspect --json` embeds the graph and the Keras source config as JSON objects, and writes paths unescaped.
    @Test func inspectJSONEmbedsObjects() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try Verifying.convertKeras3("tiny_vgg", of: ReferenceSet.committed(), into: directory)
        let result = try zoo(["inspect", model, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"file\":\"\(model)\""), "slashes unescaped: \(result.stdout.prefix(200))")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let metadata = try #require(object["metadata"] as? [String: Any])
        let graph = try #require(metadata["graph"] as? [String: Any], "graph is an object: \(String(describing: metadata["graph"]).prefix(100))")
        #expect(graph["layers"] is [Any])
    }

    /// Every subcommand's help shows real command lines, and `zoo models` has the published-weights column its help
    /// promises.
    @Test func helpShowsExamples() throws {
        for command in [["convert"], ["export"], ["inspect"], ["summary"], ["models"], ["data", "describe"], ["data", "synth"],
                        ["verify"], ["predict"], ["train"], ["bench"], ["bench", "plan"], ["bench", "run"], ["bench", "merge"], ["fetch"], ["ceilings"], ["profile"]] {
            let help = try zoo(command + ["--help"])
            #expect(help.status == 0)
            let examples = help.stdout.split(separator: "\n").drop { !$0.hasPrefix("Example") }.dropFirst()
            #expect(examples.first?.trimmingCharacters(in: .whitespaces).hasPrefix("zoo \(command.joined(separator: " "))") == true,
                    "\(command): \(help.stdout)")
        }
        let models = try zoo(["models"])
        #expect(models.stdout.split(separator: "\n").first?.contains("published weights") == true, "\(models.stdout)")
        #expect(models.stdout.split(separator: "\n").contains { $0.hasPrefix("vgg16 ") && $0.contains(" MB ") }, "\(models.stdout)")
    }

    private func zoo(_ arguments: [String], _ environment: [String: String] = [:]) throws -> TestEnvironment.Result {
        try TestEnvironment.run(TestEnvironment.zooBinary(), arguments, environment: environment)
    }
}

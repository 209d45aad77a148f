import Foundation
import Testing
import TestSupport

/// `zoo predict` against Keras on the same image files (Tests/GoldenOutputs/predict_reference.py):
/// decoding, resizing, the model's own preprocessing from its metadata or an override, the raw output.
@Suite(.serialized) struct PredictTests {
    struct Line: Decodable {
        let image: String
        let shape: [Int]
        let values: [Double]
    }

    /// One `zoo predict` case: the model, the preprocessing Keras applies, the `--preprocess` override given
    /// to zoo (nil: the file's metadata decides), and whether to compare logits (the model's softmax head
    /// made linear on both sides: with random weights a softmax saturates to exact 0 and 1).
    struct Case: Sendable, CustomTestStringConvertible {
        let model: String
        let preprocess: String
        let override: String?
        let logits: Bool
        /// The `--preprocess` given to `zoo convert`, which records it in the metadata.
        var recorded: String? = nil
        var testDescription: String {
            "\(model) \(preprocess)\(override == nil ? "" : " (--preprocess \(preprocess))")\(recorded.map { " (converted with --preprocess \($0))" } ?? "")\(logits ? " logits" : "")"
        }
    }

    /// ResNet50 with its metadata's caffe, DenseNet121 with its torch, the melanoma model with its rescale, a VGG16
    /// and a ResNet50 feature map, each `--preprocess` override on the small VGG (whose metadata says none), and the
    /// small VGG converted with `--preprocess caffe`.
    @Test(arguments: [Case(model: "resnet50", preprocess: "caffe", override: nil, logits: true),
                      Case(model: "densenet121", preprocess: "torch", override: nil, logits: true),
                      Case(model: "resnet50_notop", preprocess: "caffe", override: nil, logits: false),
                      Case(model: "melanoma_resnet50", preprocess: "rescale", override: nil, logits: true),
                      Case(model: "vgg16_notop", preprocess: "caffe", override: nil, logits: false),
                      Case(model: "tiny_vgg", preprocess: "caffe", override: "caffe", logits: true),
                      Case(model: "tiny_vgg", preprocess: "rescale", override: "rescale", logits: true),
                      Case(model: "tiny_vgg", preprocess: "tf", override: "tf", logits: true),
                      Case(model: "tiny_vgg", preprocess: "none", override: "none", logits: true),
                      Case(model: "tiny_vgg", preprocess: "caffe", override: nil, logits: true, recorded: "caffe")])
    func rawOutputsMatchKeras(_ test: Case) throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (converted, expected) = try keras(test, into: directory)
        try #require(expected.count == 3)

        var arguments = ["predict", converted] + expected.map(\.image) + ["--json", "--raw"]
        if let override = test.override { arguments += ["--preprocess", override] }
        let result = try TestEnvironment.run(TestEnvironment.zooBinary(), arguments)
        try #require(result.status == 0, "\(result.stderr)")
        try expectMatches(try lines(result.stdout), expected, test)
    }

    /// A 16-bit grayscale PNG with 12-bit values: by default clipped to 255 as Keras (through Pillow) loads
    /// it; with `--sixteen-bit 12`, scaled from its 12 bits.
    @Test func sixteenBitGrayscaleMatchesKeras() throws {
        let test = Case(model: "tiny_vgg", preprocess: "rescale", override: "rescale", logits: true)
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (converted, expected) = try keras(test, into: directory, arguments: ["--sixteen-bit", "12"])
        try #require(expected.count == 2)
        for (reference, option) in zip(expected, [[], ["--sixteen-bit", "12"]]) {
            let result = try TestEnvironment.run(TestEnvironment.zooBinary(),
                                                 ["predict", converted, reference.image, "--json", "--raw", "--preprocess", "rescale"] + option)
            try #require(result.status == 0, "\(result.stderr)")
            try expectMatches(try lines(result.stdout), [reference], test)
        }
        #expect(expected[0].values != expected[1].values, "clipping and scaling give different inputs")
    }

    /// Runs predict_reference.py on `test.model`'s Keras 3 file and converts the model it ran (the logits
    /// model it saved, or the reference file itself); returns the converted path and Keras' lines.
    private func keras(_ test: Case, into directory: URL, arguments extra: [String] = []) throws -> (String, [Line]) {
        let set = test.model.hasPrefix("tiny_") ? try ReferenceSet.committed() : try ReferenceSet.generated()
        let source = try #require(set.keras3(test.model), "the reference set has no \(test.model)")
        let logits = directory.appendingPathComponent("\(test.model).logits.keras").path
        var arguments = [source, test.preprocess, directory.path] + extra
        if test.logits { arguments += ["--logits", logits] }
        let reference = try TestEnvironment.runPython("predict_reference.py", arguments)
        try #require(reference.status == 0, "\(reference.stderr)")
        let converted = directory.appendingPathComponent("\(test.model).safetensors").path
        var conversion = ["convert", test.logits ? logits : source, "-o", converted, "--quiet"]
        if let recorded = test.recorded { conversion += ["--preprocess", recorded] }
        let converting = try TestEnvironment.run(TestEnvironment.zooBinary(), conversion)
        try #require(converting.status == 0, "\(converting.stderr)")
        return (converted, try lines(reference.stdout))
    }

    /// Same images, shapes and value counts, and every value within 1e-4 of the largest Keras value (the
    /// float32 parity tolerance).
    private func expectMatches(_ actual: [Line], _ expected: [Line], _ test: Case) throws {
        try #require(actual.count == expected.count, "\(test): zoo printed \(actual.count) lines, Keras \(expected.count)")
        for (zoo, keras) in zip(actual, expected) {
            #expect(zoo.image == keras.image)
            #expect(zoo.shape == keras.shape, "\(zoo.image)")
            try #require(zoo.values.count == keras.values.count && keras.values.count == keras.shape.reduce(1, *),
                         "\(test) \(zoo.image): zoo \(zoo.values.count) values, Keras \(keras.values.count)")
            let scale = keras.values.map(abs).max() ?? 0
            let error = zip(zoo.values, keras.values).map { abs($0 - $1) }.max() ?? .infinity
            #expect(scale > 0 && error <= 1e-4 * scale, "\(test) \(zoo.image): max |Δ| \(error), max |ref| \(scale)")
        }
    }

    /// Without --json: the top classes with their probabilities, best first, as Keras ranks them (the small
    /// VGG's five-class softmax does not saturate, so the order and the values mean something).
    @Test func topClassesAreListed() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (converted, expected) = try keras(Case(model: "tiny_vgg", preprocess: "rescale", override: "rescale", logits: false), into: directory)
        let keras = try #require(expected.first)
        let result = try TestEnvironment.run(TestEnvironment.zooBinary(), ["predict", converted, keras.image, "--top", "3", "--preprocess", "rescale"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect((keras.values.max() ?? 1) < 0.99, "unsaturated: \(keras.values)")
        let ranked = Array(keras.values.indices.sorted { keras.values[$0] > keras.values[$1] }.prefix(3))
        // "IMAGE: 1. class C P  2. class C P  3. class C P", P with six decimals.
        let entries = result.stdout.trimmingCharacters(in: .newlines).components(separatedBy: ": ").dropFirst().joined(separator: ": ")
            .components(separatedBy: "  ").map { $0.split(separator: " ") }
        try #require(result.stdout.hasPrefix("\(keras.image): ") && entries.count == 3 && entries.allSatisfy { $0.count == 4 }, "\(result.stdout)")
        for (rank, entry) in entries.enumerated() {
            #expect(entry[0] == "\(rank + 1)." && entry[1] == "class" && entry[2] == "\(ranked[rank])", "\(result.stdout); Keras \(keras.values)")
            let probability = try #require(Double(entry[3]), "\(result.stdout)")
            #expect(abs(probability - keras.values[ranked[rank]]) <= 1e-6, "\(result.stdout); Keras \(keras.values)")
        }
    }

    /// --labels (inline or a file, Keras' class index JSON included) names the ranked classes; --json lists the
    /// --top classes as `top` with the same names, the raw tensor only with --raw, and paths with their slashes.
    @Test func labelsAndJSONTop() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (converted, expected) = try keras(Case(model: "tiny_vgg", preprocess: "rescale", override: "rescale", logits: false), into: directory)
        let keras = try #require(expected.first)
        let names = keras.values.indices.map { "flower \($0)" }
        let ranked = Array(keras.values.indices.sorted { keras.values[$0] > keras.values[$1] }.prefix(2))
        let classIndex = directory.appendingPathComponent("classes.json")
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { (String($0.offset), ["n0\($0.offset)", $0.element]) })
        try JSONSerialization.data(withJSONObject: index).write(to: classIndex)
        for labels in [names.joined(separator: ","), classIndex.path] {
            let text = try TestEnvironment.run(TestEnvironment.zooBinary(),
                                               ["predict", converted, keras.image, "--top", "2", "--preprocess", "rescale", "--labels", labels])
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.hasPrefix("\(keras.image): 1. class \(ranked[0]) (flower \(ranked[0])) "), "\(text.stdout)")
            #expect(text.stdout.contains("  2. class \(ranked[1]) (flower \(ranked[1])) "), "\(text.stdout)")
        }
        let json = try TestEnvironment.run(TestEnvironment.zooBinary(),
                                           ["predict", converted, keras.image, "--top", "2", "--preprocess", "rescale", "--json", "--labels", classIndex.path])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout.contains("\"image\":\"\(keras.image)\""), "slashes unescaped: \(json.stdout)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["values"] == nil, "raw values only with --raw")
        let top = try #require(object["top"] as? [[String: Any]])
        #expect(top.map { $0["index"] as? Int } == ranked.map { $0 })
        #expect(top.map { $0["name"] as? String } == ranked.map { "flower \($0)" })
        for (entry, index) in zip(top, ranked) {
            #expect(abs((entry["probability"] as? Double ?? -1) - keras.values[index]) <= 1e-6)
        }
        let wrongCount = try TestEnvironment.run(TestEnvironment.zooBinary(), ["predict", converted, keras.image, "--labels", "a,b"])
        #expect(wrongCount.status == 1)
        #expect(wrongCount.stderr == "Error: --labels a,b: 2 names for a model with \(names.count) classes\n")
        let missing = directory.appendingPathComponent("labels.txt").path
        let missingFile = try TestEnvironment.run(TestEnvironment.zooBinary(), ["predict", converted, keras.image, "--labels", missing])
        #expect(missingFile.stderr == "Error: \(missing): no such labels file (--labels takes a file or a comma-separated list)\n")
    }

    @Test func badInputsFailWithOneLine() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let converted = try Verifying.convertKeras3("tiny_vgg", of: ReferenceSet.committed(), into: directory)
        let notAnImage = directory.appendingPathComponent("notes.png")
        try Data("not a picture".utf8).write(to: notAnImage)
        for (arguments, message) in [([converted, notAnImage.path], "notes.png"),
                                     ([converted, directory.appendingPathComponent("absent.jpg").path], "absent.jpg"),
                                     ([directory.appendingPathComponent("absent.safetensors").path, notAnImage.path], "absent.safetensors"),
                                     ([converted, notAnImage.path, "--top", "0"], "--top"),
                                     ([converted, notAnImage.path, "--sixteen-bit", "8"], "--sixteen-bit")] {
            let result = try TestEnvironment.run(TestEnvironment.zooBinary(), ["predict"] + arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    private func lines(_ output: String) throws -> [Line] {
        try output.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
    }
}

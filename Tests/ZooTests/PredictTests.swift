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

    /// (model, its preprocessing, override passed to zoo or nil for the file's metadata)
    @Test(arguments: [("resnet50", "caffe", nil), ("resnet50_notop", "caffe", nil), ("melanoma_resnet50", "rescale", nil),
                      ("resnet50", "none", "none")] as [(String, String, String?)])
    func rawOutputsMatchKeras(model: String, preprocess: String, override: String?) throws {
        let set = try ReferenceSet.generated()
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let converted = try Verifying.convertKeras3(model, of: set, into: directory)

        let reference = try TestEnvironment.runPython("predict_reference.py", [try #require(set.keras3(model)), preprocess, directory.path])
        try #require(reference.status == 0, "\(reference.stderr)")
        let expected = try lines(reference.stdout)
        try #require(expected.count == 3)

        var arguments = ["predict", converted] + expected.map(\.image) + ["--json"]
        if let override { arguments += ["--preprocess", override] }
        let result = try TestEnvironment.run(TestEnvironment.zooBinary(), arguments)
        try #require(result.status == 0, "\(result.stderr)")
        let actual = try lines(result.stdout)
        try #require(actual.count == expected.count)
        for (zoo, keras) in zip(actual, expected) {
            #expect(zoo.image == keras.image)
            #expect(zoo.shape == keras.shape, "\(zoo.image)")
            let scale = keras.values.map(abs).max() ?? 0
            let error = zip(zoo.values, keras.values).map { abs($0 - $1) }.max() ?? .infinity
            #expect(error <= 1e-4 * max(scale, 1e-30), "\(model) \(zoo.image): max |Δ| \(error), max |ref| \(scale)")
        }
    }

    /// Without --json: the top classes with their probabilities, best first.
    @Test func topClassesAreListed() throws {
        let set = try ReferenceSet.generated()
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let converted = try Verifying.convertKeras3("melanoma_resnet50", of: set, into: directory)
        let reference = try TestEnvironment.runPython("predict_reference.py", [try #require(set.keras3("melanoma_resnet50")), "rescale", directory.path])
        let keras = try #require(try lines(reference.stdout).first)
        let result = try TestEnvironment.run(TestEnvironment.zooBinary(), ["predict", converted, keras.image, "--top", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let best = keras.values[0] >= keras.values[1] ? 0 : 1
        #expect(result.stdout.hasPrefix("\(keras.image): 1. class \(best) "), "\(result.stdout)")
        #expect(result.stdout.contains("2. class \(1 - best) "))
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

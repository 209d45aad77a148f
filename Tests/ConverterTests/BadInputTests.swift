import Converter
import Foundation
import Testing
import TestSupport

/// Bad input gets one line naming the file and the problem, a non-zero exit, no trap, and no
/// output file left behind.
@Suite struct BadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let file: String
        let arch: String?
        let expected: [String]
        var testDescription: String { file + (arch.map { " --arch \($0)" } ?? "") }
    }

    static let cases: [Case] = [
        Case(file: "special/truncated.h5", arch: nil, expected: ["truncated"]),
        Case(file: "special/not_hdf5.h5", arch: nil, expected: ["not an HDF5 file"]),
        Case(file: "special/not_keras.h5", arch: nil, expected: ["not a Keras checkpoint"]),
        Case(file: "special/unsupported_layer.h5", arch: nil, expected: ["is not supported"]),
        Case(file: "special/python_lambda.h5", arch: nil, expected: ["Lambda", "Python bytecode"]),
        Case(file: "special/channels_first.h5", arch: nil, expected: ["channels_first"]),
        Case(file: "tiny_convs/tfk_weights.h5", arch: nil, expected: ["holds only weights", "--arch"]),
        Case(file: "tiny_convs/tfk_weights.h5", arch: "vgg16", expected: ["block1_conv1"]),
    ]

    @Test(arguments: cases)
    func refusedCleanly(_ badCase: Case) throws {
        let input = TestEnvironment.fixtures.appendingPathComponent(badCase.file).path
        #expect(FileManager.default.fileExists(atPath: input), "fixture \(input) missing: regenerate the fixtures")
        try expectRefusal(input: input, arch: badCase.arch, expected: [(input as NSString).lastPathComponent] + badCase.expected)
    }

    /// Several layers Zoo cannot translate are all named at once, one line each (issue 14): tiny_convs' own
    /// config with two of its layers turned into classes Zoo does not run, given as the `--arch` of its weights.
    @Test func everyUnsupportedLayerGetsItsOwnLine() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keras = TestEnvironment.fixtures.appendingPathComponent("tiny_convs/k3.keras").path
        let config = try #require(try KerasCheckpoint(path: keras).modelConfig)
        var root = try #require(try JSONSerialization.jsonObject(with: Data(config.utf8)) as? [String: Any])
        var model = try #require(root["config"] as? [String: Any])
        var layers = try #require(model["layers"] as? [[String: Any]])
        let renamed = [(1, "UpSampling3D"), (2, "GroupNormalization")]
        for (index, className) in renamed { layers[index]["class_name"] = className }
        model["layers"] = layers
        root["config"] = model
        let edited = directory.appendingPathComponent("two_unsupported.json")
        try JSONSerialization.data(withJSONObject: root).write(to: edited)

        let weights = TestEnvironment.fixtures.appendingPathComponent("tiny_convs/tfk_weights.h5").path
        let output = directory.appendingPathComponent("out.safetensors").path
        let result = try Converting.convert(weights, arch: edited.path, to: output)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == renamed.count, "\(result.stderr)")
        for ((index, className), line) in zip(renamed, lines) {
            let name = try #require(layers[index]["config"] as? [String: Any])["name"] as? String ?? "?"
            #expect(line.contains("two_unsupported.json: layer '\(name)' (\(className)): layer class \(className) is not supported"), "\(line)")
        }
        #expect(!FileManager.default.fileExists(atPath: output), "output left behind")
    }

    /// A wrong architecture for a legacy file is reported at the first layer whose shapes differ:
    /// VGG19's block3_conv4 is where VGG16's weights stop fitting.
    @Test func wrongArchitectureNamesTheFirstDifferingLayer() throws {
        let set = try ReferenceSet.generated()
        let entry = try #require(set.entries.first { $0.model == "vgg16_notop" && $0.format == "tfk_weights" })
        try expectRefusal(input: set.path(entry.path), arch: "vgg19-notop", expected: ["block3_conv4", "(3, 3, 256, 512)"])
    }

    @Test func unwritableOutputIsAClearError() throws {
        let input = TestEnvironment.fixtures.appendingPathComponent("tiny_convs/k3.keras").path
        let result = try Converting.convert(input, arch: nil, to: "/nonexistent-directory/out.safetensors")
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nonexistent-directory"), "\(result.stderr)")
    }

    @Test func damagedDataFailsVerification() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("model.safetensors").path
        let input = TestEnvironment.fixtures.appendingPathComponent("tiny_convs/k3.keras").path
        #expect(try Converting.convert(input, arch: nil, to: output).status == 0)
        let zoo = try TestEnvironment.zooBinary()
        #expect(try TestEnvironment.run(zoo, ["inspect", output]).status == 0)

        var bytes = try Data(contentsOf: URL(fileURLWithPath: output))
        bytes[bytes.count - 3] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: output))
        let result = try TestEnvironment.run(zoo, ["inspect", output])
        #expect(result.status != 0)
        #expect(result.stdout.contains("MISMATCH") && result.stderr.contains("data hash does not match"), "\(result.stdout)\n\(result.stderr)")
    }

    @Test func damagedHeaderIsAClearError() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bad.safetensors")
        var bytes = Data([0xFF, 0xFF, 0, 0, 0, 0, 0, 0])
        bytes.append(Data("{}".utf8))
        try bytes.write(to: path)
        let result = try TestEnvironment.run(try TestEnvironment.zooBinary(), ["inspect", path.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("bad.safetensors") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    /// tf-keras' hard_sigmoid is another function than Keras 3's, the one Zoo computes: refused, naming the layer.
    @Test func tfKerasHardSigmoidIsRefused() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = directory.appendingPathComponent("gated.h5").path
        let written = try TestEnvironment.runPython("tf_keras_hard_sigmoid.py", [model])
        try #require(written.status == 0, "tf_keras_hard_sigmoid.py failed: \(written.stderr.suffix(2000))")
        try expectRefusal(input: model, arch: nil, expected: ["gated.h5", "layer 'gate'", "hard_sigmoid as Keras 2.", "relu6(x + 3) / 6"])
    }

    private func expectRefusal(input: String, arch: String?, expected: [String]) throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Converting.convert(input, arch: arch, to: directory.appendingPathComponent("out.safetensors").path)
        #expect(result.status == 1, "exit status \(result.status) (a trap or crash is not a clean refusal)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one line of error, got:\n\(result.stderr)")
        for phrase in expected { #expect(result.stderr.contains(phrase), "missing '\(phrase)' in: \(result.stderr)") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "output left behind")
    }
}

import Foundation
import Testing
import TestSupport

/// `zoo convert` options the format tests do not exercise: an architecture from a Keras model config
/// `.json`, the default output name, and `--preprocess`. Results are checked against Keras' tensors
/// (check_converted.py), Keras' activations (`zoo verify`) and Python safetensors' reading of the metadata.
@Suite struct ConvertCommandTests {
    /// The config of a nested model, as tf-keras stores it in a full `.h5` (`model_config`, what
    /// `model.to_json()` writes) and as Keras 3 stores it in a `.keras` archive (`config.json`), lends the
    /// architecture to the weights-only file of the same Keras.
    @Test(arguments: [("tfk_full.h5", "tfk_weights.h5"), ("k3.keras", "k3.weights.h5")])
    func architectureFromAModelConfigJSON(configSource: String, weights: String) throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = TestEnvironment.fixtures.appendingPathComponent("tiny_nested")
        let config = directory.appendingPathComponent("config.json").path
        let script = """
        import h5py, sys, zipfile
        source, out = sys.argv[1:3]
        if source.endswith(".keras"):
            text = zipfile.ZipFile(source).read("config.json").decode()
        else:
            text = h5py.File(source, "r").attrs["model_config"]
            text = text.decode() if isinstance(text, bytes) else text
        open(out, "w").write(text)
        """
        let extraction = try TestEnvironment.run(TestEnvironment.python(), ["-c", script, model.appendingPathComponent(configSource).path, config])
        try #require(extraction.status == 0, "\(extraction.stderr)")

        let output = directory.appendingPathComponent("converted.safetensors").path
        let conversion = try Converting.convert(model.appendingPathComponent(weights).path, arch: config, to: output)
        try #require(conversion.status == 0, "\(conversion.stderr)")
        let keras = try #require(ReferenceSet.committed().entries.first { $0.model == "tiny_nested" && $0.format == "k3_keras" })
        #expect(conversion.stdout.contains(": 20 tensors, \(keras.params) parameters,"), "\(conversion.stdout)")
        let failures = try Converting.check(pairs: [(output, model.appendingPathComponent("expected.safetensors").path, "f32")], in: directory)
        #expect(failures.isEmpty, "\(failures)")
        let verify = try TestEnvironment.run(TestEnvironment.zooBinary(), ["verify", output, "--golden", TestEnvironment.activations(of: "tiny_nested")])
        #expect(verify.status == 0, "the graph from the JSON runs as Keras does: \(verify.stdout.suffix(300)) \(verify.stderr)")
    }

    /// Without `-o` the output sits next to the input, its Keras extension (`.keras`, `.weights.h5`, `.h5`)
    /// replaced by `.safetensors`, and nothing else is left in the directory.
    @Test func defaultOutputNameReplacesTheExtension() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = TestEnvironment.fixtures.appendingPathComponent("tiny_vgg")
        let cases: [(source: String, copy: String, arch: String?, output: String)] = [
            ("k3.keras", "model.keras", nil, "model.safetensors"),
            ("k3.weights.h5", "tiny.weights.h5", "model.keras", "tiny.safetensors"),
            ("tfk_full.h5", "full.h5", nil, "full.safetensors"),
        ]
        var pairs: [(String, String, String)] = []
        for (source, copy, arch, output) in cases {
            try FileManager.default.copyItem(at: model.appendingPathComponent(source), to: directory.appendingPathComponent(copy))
            let input = directory.appendingPathComponent(copy).path
            let arguments = ["convert", input, "--quiet"] + (arch.map { ["--arch", directory.appendingPathComponent($0).path] } ?? [])
            let result = try TestEnvironment.run(TestEnvironment.zooBinary(), arguments)
            let expected = directory.appendingPathComponent(output).path
            #expect(result.status == 0, "\(copy): \(result.stderr)")
            #expect(result.stdout.hasPrefix("\(expected): "), "\(result.stdout)")
            pairs.append((expected, model.appendingPathComponent("expected.safetensors").path, "f32"))
        }
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)) == Set(cases.flatMap { [$0.copy, $0.output] }))
        let failures = try Converting.check(pairs: pairs, in: directory)
        #expect(failures.isEmpty, "\(failures)")
    }

    /// `--preprocess` is recorded in the metadata as given; without it a model the registry does not know
    /// records none (`zoo predict` then uses it: PredictTests).
    @Test(arguments: [("caffe", "caffe"), ("torch", "torch"), ("rescale:0.00392156862745098", "rescale:0.00392156862745098"), (nil, "none")] as [(String?, String)])
    func preprocessIsRecorded(option: String?, recorded: String) throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("tiny_vgg.safetensors").path
        var arguments = ["convert", TestEnvironment.fixtures.appendingPathComponent("tiny_vgg/k3.keras").path, "-o", output, "--quiet"]
        if let option { arguments += ["--preprocess", option] }
        let result = try TestEnvironment.run(TestEnvironment.zooBinary(), arguments)
        try #require(result.status == 0, "\(result.stderr)")
        let script = "import sys\nfrom safetensors import safe_open\nwith safe_open(sys.argv[1], 'np') as f: print(f.metadata()['preprocess'])"
        let metadata = try TestEnvironment.run(TestEnvironment.python(), ["-c", script, output])
        #expect(metadata.stdout == "\(recorded)\n", "\(metadata.stdout)\(metadata.stderr)")
    }
}

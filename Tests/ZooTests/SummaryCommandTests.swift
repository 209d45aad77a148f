import Foundation
import Testing
import TestSupport

/// `zoo summary` against Keras: the parameter totals of the committed fixtures (their manifest holds Keras'
/// `count_params` and trainable counts) for a full .h5, a .keras and the converted file alike, and each layer's
/// name, output shape and parameters as Keras 3 reports them, in model order.
@Suite struct SummaryCommandTests {
    /// BatchNormalization (moving statistics), a frozen layer in a nested model, dropout in a Sequential.
    @Test(arguments: ["tiny_bn", "tiny_nested", "tiny_sequential"])
    func totalsMatchKeras(model: String) throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (total, trainable) = try kerasCounts(model)
        let folder = TestEnvironment.fixtures.appendingPathComponent(model)
        let converted = directory.appendingPathComponent("\(model).safetensors").path
        let conversion = try Converting.convert(folder.appendingPathComponent("k3.keras").path, arch: nil, to: converted)
        try #require(conversion.status == 0, "\(conversion.stderr)")
        for file in [folder.appendingPathComponent("k3.keras").path, folder.appendingPathComponent("tfk_full.h5").path, converted] {
            let result = try TestEnvironment.run(TestEnvironment.zooBinary(), ["summary", file])
            #expect(result.status == 0, "\(file): \(result.stderr)")
            let totals = result.stdout.split(separator: "\n").suffix(3).map(String.init)
            #expect(totals == ["Total params: \(total.formatted())", "Trainable params: \(trainable.formatted())",
                               "Non-trainable params: \((total - trainable).formatted())"], "\(file):\n\(result.stdout)")
        }
    }

    /// Every layer Keras lists appears in the same order with the same output shape and parameter count; the
    /// only extra rows are input layers (a Sequential's is implicit in Keras).
    @Test func layersMatchKeras() throws {
        let files = ["tiny_bn", "tiny_vgg", "tiny_merges"].map { TestEnvironment.fixtures.appendingPathComponent("\($0)/k3.keras").path }
        let script = """
        import os, sys
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
        import keras
        for path in sys.argv[1:]:
            model = keras.saving.load_model(path, compile=False)
            for layer in model.layers:
                shape = "(" + ", ".join("None" if s is None else str(s) for s in layer.output.shape) + ")"
                print(path, layer.name, shape, layer.count_params(), sep="\\t")
        """
        let keras = try TestEnvironment.run(TestEnvironment.python(), ["-c", script] + files)
        try #require(keras.status == 0, "\(keras.stderr)")
        let kerasRows = keras.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        for file in files {
            let expected = kerasRows.filter { $0[0] == file }.map { [$0[1], $0[2], $0[3]] }
            try #require(!expected.isEmpty, "Keras listed no layers of \(file)")
            let result = try TestEnvironment.run(TestEnvironment.zooBinary(), ["summary", file])
            try #require(result.status == 0, "\(file): \(result.stderr)")
            // Rows between the header and the totals; columns are separated by two or more spaces.
            let rows = result.stdout.split(separator: "\n").dropFirst(2).dropLast(3).map {
                $0.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            let kerasNames = Set(expected.map { $0[0] })
            let compared = rows.filter { kerasNames.contains($0[0]) || $0[1] != "input" }
            #expect(compared.map { [$0[0], $0[2], $0[3].replacingOccurrences(of: ",", with: "")] } == expected, "\(file):\n\(result.stdout)")
        }
    }

    @Test func aWeightsOnlyFileSaysHowToGetAnArchitecture() throws {
        let file = TestEnvironment.fixtures.appendingPathComponent("tiny_bn/k3.weights.h5").path
        let result = try TestEnvironment.run(TestEnvironment.zooBinary(), ["summary", file])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("Error: \(file): a weights-only file has no architecture: run `zoo convert"), "\(result.stderr)")
    }

    /// Keras' `count_params()` and trainable count of the model, from the fixtures' manifest.
    private func kerasCounts(_ model: String) throws -> (total: Int, trainable: Int) {
        let data = try Data(contentsOf: TestEnvironment.fixtures.appendingPathComponent("manifest.json"))
        let entries = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let entry = try #require(entries.first { $0["model"] as? String == model && $0["format"] as? String == "k3_keras" })
        return (try #require(entry["params"] as? Int), try #require(entry["trainable_params"] as? Int))
    }
}

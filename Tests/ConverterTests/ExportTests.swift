import Foundation
import Testing
import TestSupport
@testable import Converter

// `zoo export --keras`, checked by Keras 3 itself: it loads each exported file into the model built from
// the same .keras and must hold the Zoo file's weights bit for bit (Tests/GoldenOutputs/export_check.py).

/// Converts `keras` to a Zoo file in `scratch`, named `name`.
private func converted(_ keras: String, _ name: String, in scratch: ScratchDirectory) throws -> String {
    let output = scratch.file("\(name).safetensors")
    _ = try Conversion.run(Conversion.Request(input: keras, output: output))
    return output
}

/// A copy of the Zoo file with `offset` added to every weight: what fine-tuning leaves, in a known way.
private func perturbed(_ zoo: String, by offset: Float, in scratch: ScratchDirectory) throws -> String {
    let file = try SafetensorsFile(path: zoo)
    let output = scratch.file("tuned-" + (zoo as NSString).lastPathComponent)
    try writeSafetensors(output, try file.tensors.map { ($0.name, $0.shape, try file.floats(of: $0).map { $0 + offset }) },
                         dtype: .f32, metadata: file.metadataToCarry)
    return output
}

private func modelConfig(_ keras: String) throws -> String {
    try #require(try KerasCheckpoint(path: keras).modelConfig)
}

/// Exports every case and has one Python process check them all.
private func checkWithKeras(_ cases: [(keras: String, zoo: String, unchanged: Bool)], in scratch: ScratchDirectory) throws {
    var entries: [[String: Any]] = []
    for (index, item) in cases.enumerated() {
        let exported = scratch.file("\(index)-\(((item.zoo as NSString).lastPathComponent as NSString).deletingPathExtension).weights.h5")
        _ = try KerasWeightsExport.run(input: item.zoo, output: exported, modelConfig: try modelConfig(item.keras), configFile: item.keras)
        entries.append(["keras": item.keras, "zoo": item.zoo, "exported": exported, "unchanged": item.unchanged])
    }
    let list = scratch.file("cases.json")
    try JSONSerialization.data(withJSONObject: entries).write(to: URL(fileURLWithPath: list))
    let result = try TestEnvironment.runPython("export_check.py", [list])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
}

@Test func kerasLoadsTheExportOfEveryTinyFixture() throws {
    let scratch = try ScratchDirectory()
    let fixtures = try FileManager.default.contentsOfDirectory(atPath: TestEnvironment.fixtures.path)
        .filter { $0.hasPrefix("tiny_") }.sorted()
    var cases: [(keras: String, zoo: String, unchanged: Bool)] = []
    for name in fixtures {
        let keras = TestEnvironment.fixtures.appendingPathComponent("\(name)/k3.keras").path
        let zoo = try converted(keras, name, in: scratch)
        cases.append((keras, zoo, true))
        // Nested models and BatchNormalization's non-trainable statistics must come out changed too.
        if ["tiny_nested", "tiny_bn"].contains(name) { cases.append((keras, try perturbed(zoo, by: 0.25, in: scratch), false)) }
    }
    try checkWithKeras(cases, in: scratch)
}

/// A nested keras.applications VGG16 under an attention head, and a ResNet50 (from the golden cache).
@Test func kerasLoadsTheExportOfNotebookModels() throws {
    let scratch = try ScratchDirectory()
    let cases = try ["narrow_tb_attention_vgg16", "narrow_melanoma_resnet50"].map { model in
        let keras = try TestEnvironment.golden().appendingPathComponent("\(model)/k3.keras").path
        return (keras: keras, zoo: try converted(keras, model, in: scratch), unchanged: true)
    }
    try checkWithKeras(cases, in: scratch)
}

@Test func anUnwritableDestinationLeavesNothing() throws {
    let scratch = try ScratchDirectory()
    let keras = TestEnvironment.fixtures.appendingPathComponent("tiny_nested/k3.keras").path
    let zoo = try converted(keras, "tiny_nested", in: scratch)
    let before = try scratch.contents()
    let missingDirectory = scratch.file("no-such-directory/out.weights.h5")
    let error = try #require(throws: ConversionError.self) {
        try KerasWeightsExport.run(input: zoo, output: missingDirectory, modelConfig: try modelConfig(keras), configFile: keras)
    }
    #expect(error.file == missingDirectory && error.problem.contains("cannot be written"))
    #expect(try scratch.contents() == before)
}

@Test func aMissingInputOrAnotherModelsConfigIsRefusedAndLeavesNothing() throws {
    let scratch = try ScratchDirectory()
    let nested = TestEnvironment.fixtures.appendingPathComponent("tiny_nested/k3.keras").path
    let other = TestEnvironment.fixtures.appendingPathComponent("tiny_bn/k3.keras").path
    let zoo = try converted(nested, "tiny_nested", in: scratch)
    let output = scratch.file("out.weights.h5")
    let before = try scratch.contents()
    #expect(throws: (any Error).self) {
        try KerasWeightsExport.run(input: scratch.file("missing.safetensors"), output: output, modelConfig: try modelConfig(nested), configFile: nested)
    }
    let mismatch = try #require(throws: ConversionError.self) {
        try KerasWeightsExport.run(input: zoo, output: output, modelConfig: try modelConfig(other), configFile: other)
    }
    #expect(mismatch.file == other && mismatch.problem.contains("has no layer"))
    #expect(try scratch.contents() == before)
}

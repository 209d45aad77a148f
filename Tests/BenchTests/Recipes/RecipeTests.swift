import Bench
import Converter
import Foundation
import Testing
import TestSupport
import Zoo

/// The recipe files against what the notebooks' Keras models were: their trainable parameter counts as Keras
/// printed or counted them (docs/notebooks.md), and layer for layer the notebook graphs Zoo's parity tests check
/// against Keras-written checkpoints (`SeedModels`).
@Suite struct RecipeTests {
    static let directory = TestEnvironment.repositoryRoot.appendingPathComponent("Benchmarks/recipes")

    static func recipe(_ name: String) throws -> Recipe {
        try Recipe.read(from: directory.appendingPathComponent("\(name).json"))
    }

    @Test(arguments: [
        ("vgg16-tb", 132_866), ("vgg19-tb", 132_866), ("attention-vgg16-tb", 102_403),
        ("resnet50-melanoma", 135_362), ("resnet50-melanoma-flatten", 6_422_722),
    ])
    func trainableParametersAreTheNotebooks(name: String, trainable: Int) throws {
        let model = try RecipeModel(try Self.recipe(name))
        #expect(model.full.layers.reduce(0) { $0 + $1.trainableParameterCount } == trainable)
        #expect(model.head.layers.reduce(0) { $0 + $1.trainableParameterCount } == trainable)
    }

    @Test(arguments: ["vgg16-tb", "vgg19-tb", "attention-vgg16-tb", "resnet50-melanoma"])
    func fullModelIsTheNotebookGraph(name: String) throws {
        let notebook: ModelGraph = switch name {
        case "vgg16-tb": try SeedModels.tuberculosisVGG(base: "vgg16", blocks: VGG.vgg16Blocks)
        case "vgg19-tb": try SeedModels.tuberculosisVGG(base: "vgg19", blocks: VGG.vgg19Blocks)
        case "attention-vgg16-tb": try SeedModels.tuberculosisAttentionVGG16()
        default: try SeedModels.melanomaResNet50()
        }
        let full = try RecipeModel(try Self.recipe(name)).full
        #expect(full.layers.map(\.name) == notebook.layers.map(\.name))
        for (ours, theirs) in zip(full.layers, notebook.layers) {
            #expect(ours.op == theirs.op, "\(ours.name)")
            #expect(ours.inputs == theirs.inputs, "\(ours.name)")
            #expect(ours.trainable == theirs.trainable, "\(ours.name)")
            #expect(ours.weights == theirs.weights, "\(ours.name)")
            #expect(ours.scope == theirs.scope, "\(ours.name)")
        }
    }

    @Test func headWeightsFollowTheInitialisers() throws {
        let model = try RecipeModel(try Self.recipe("attention-vgg16-tb"))
        let weights = try model.initialHeadWeights(seed: 7)
        let fanOut = try weights.tensor(named: "conv2d_4/kernel", shape: [1, 1, 1, 512])
        #expect(fanOut.toArray().allSatisfy { $0 == 1 })
        let gamma = try weights.tensor(named: "BatchNormalization/gamma", shape: [512])
        #expect(gamma.toArray().allSatisfy { $0 == 1 })
        let kernel = try weights.tensor(named: "dense/kernel", shape: [512, 128]).toArray()
        let limit = Float((6.0 / Double(512 + 128)).squareRoot())       // glorot_uniform
        #expect(kernel.allSatisfy { abs($0) <= limit } && Set(kernel).count > 60_000)
        #expect(try model.initialHeadWeights(seed: 7).tensor(named: "dense/kernel", shape: [512, 128]).toArray() == kernel)
    }

    @Test func aTypoIsAnErrorNamingTheKey() throws {
        var json = try String(contentsOf: Self.directory.appendingPathComponent("vgg16-tb.json"), encoding: .utf8)
        json = json.replacingOccurrences(of: "\"rate\": 0.25", with: "\"rat\": 0.25")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("typo-\(UUID().uuidString).json")
        try json.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect { try Recipe.read(from: file) } throws: { "\($0)".contains("head[5].rat") }
    }
}

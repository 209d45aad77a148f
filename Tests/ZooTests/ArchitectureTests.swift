import Converter
import Testing
import Zoo
import Foundation
import TestSupport

@Test(arguments: Registry.entries.map(\.name))
func parameterCountMatchesKeras(name: String) throws {
    let entry = try #require(Registry.entry(named: name))
    #expect(try entry.graph().parameterCount == entry.parameters)
}

/// docs/keras-numerics.md §7.4: Keras lists ResNet50's weighted layers by graph depth, so the shortcut
/// convolution comes after the second ReLU of its block; legacy checkpoints load in this order.
@Test func resNet50WeightedLayersFollowKerasOrder() throws {
    let weighted = try ResNet50.graph().layers.filter { !$0.weights.isEmpty }.map(\.name)
    #expect(weighted.count == 107)
    #expect(Array(weighted.prefix(10)) == [
        "conv1_conv", "conv1_bn",
        "conv2_block1_1_conv", "conv2_block1_1_bn", "conv2_block1_2_conv", "conv2_block1_2_bn",
        "conv2_block1_0_conv", "conv2_block1_3_conv", "conv2_block1_0_bn", "conv2_block1_3_bn",
    ])
    #expect(Array(weighted[10..<16]) == [
        "conv2_block2_1_conv", "conv2_block2_1_bn", "conv2_block2_2_conv", "conv2_block2_2_bn",
        "conv2_block2_3_conv", "conv2_block2_3_bn",
    ])
    #expect(weighted.last == "predictions")
}

@Test func nestedBaseKeepsItsScope() throws {
    let graph = try SeedModels.tuberculosisVGG(base: "vgg16", blocks: VGG.vgg16Blocks)
    #expect(graph.layer(named: "block1_conv1")?.scope == ["vgg16"])
    #expect(graph.layer(named: "dense")?.scope == [])
    #expect(graph.layer(named: "dense")?.weights.first?.shape == [512, 256])
}

/// zoo/registry.json is the registry exported; it must not drift from the code.
@Test func committedRegistryMatchesTheCode() throws {
    let committed = try String(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("zoo/registry.json"), encoding: .utf8)
    let exported = try TestEnvironment.run(try TestEnvironment.zooBinary(), ["models", "--json"])
    #expect(exported.status == 0)
    #expect(exported.stdout == committed, "zoo/registry.json is stale: regenerate it with `zoo models --json > zoo/registry.json`")
}

import Converter
import Testing
import Zoo
import Foundation
import TestSupport

/// Keras' own `count_params()` of the same architecture, recorded in the reference set's manifest by
/// generate.py (which also checks it against the published figure for the full-size models): the Swift
/// graph's count and the registry's advertised count must both equal it. (The architectures Keras writes at test
/// time are counted by WiderApplicationsTests.)
@Test(arguments: Registry.entries.map(\.name).filter { !Verifying.testTimeArchitectures.contains($0) })
func parameterCountMatchesKeras(name: String) throws {
    let entry = try #require(Registry.entry(named: name))
    let keras = try #require(ReferenceSet.generated().kerasParameterCount(of: name),
                             "the reference set has no Keras model or config for architecture \(name)")
    #expect(try entry.graph().parameterCount == keras, "\(name): Keras counts \(keras)")
    #expect(entry.parameters == keras, "\(name): the registry advertises \(entry.parameters), Keras counts \(keras)")
}

/// The registry's definitions of the architectures kept as Keras configs only are the graphs keras.applications
/// builds: the same layers in Keras' order, each with the same op, inputs, trainability and weights (names and
/// shapes), and every attribute the definition sets equal to what the import of Keras' config reads (an input size the
/// definition leaves open, as without a top, accepts the 224 keras.applications was built with). The executor
/// runs what the graph says, so the outputs are the imported graph's, which `zoo verify` checks against Keras on
/// the narrow twins (same graphs) and, for DenseNet121, at full size.
@Test(arguments: Verifying.configOnlyArchitectures)
func namedDefinitionIsKerasGraph(arch: String) throws {
    let set = try ReferenceSet.generated()
    #expect(set.architectures.map(\.arch).sorted() == Verifying.configOnlyArchitectures.sorted(), "\(set.root.path)/architectures.json")
    let record = try #require(set.architectures.first { $0.arch == arch }, "\(set.root.path)/architectures.json lists no \(arch)")
    try Verifying.expectNamedDefinition(arch, isKerasConfig: set.path(record.config))
}

/// docs/keras-numerics.md §7.4: Keras lists ResNet50's weighted layers by graph depth, so the shortcut
/// convolution comes after the second ReLU of its block; legacy checkpoints load in this order.
@Test func resNet50WeightedLayersFollowKerasOrder() throws {
    let weighted = try ResNet.graph().layers.filter { !$0.weights.isEmpty }.map(\.name)
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

/// `zoo models` as text: one aligned row per architecture of zoo/registry.json, in its order, its parameter
/// count the one Keras counts for the same architecture (the reference set's manifest).
@Test func modelsTableListsTheRegistryWithKerasCounts() throws {
    struct Exported: Decodable {
        struct Published: Decodable { let bytes: Int? }
        let name: String, parameters: Int, preprocess: String, summary: String
        let input_size: [Int]
        let published_weights: Published?
    }
    let registry = try JSONDecoder().decode([Exported].self, from: Data(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("zoo/registry.json")))
    let keras = try ReferenceSet.generated()
    let result = try TestEnvironment.run(try TestEnvironment.zooBinary(), ["models"])
    try #require(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    let header = try #require(lines.first)
    let titles = ["name", "parameters", "input", "preprocess", "published weights", "model"]
    #expect(header.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } == titles)
    let starts = try titles.map { title in try #require(header.range(of: title)).lowerBound }
    try #require(lines.count == 1 + registry.count, "\(result.stdout)")
    for (line, entry) in zip(lines.dropFirst(), registry) {
        // Cells start where the header's titles start.
        let cells = starts.indices.map { column -> String in
            let offset = header.distance(from: header.startIndex, to: starts[column])
            let end = column + 1 < starts.count ? header.distance(from: header.startIndex, to: starts[column + 1]) : line.count
            guard offset < line.count else { return "" }
            let from = line.index(line.startIndex, offsetBy: offset), to = line.index(line.startIndex, offsetBy: min(end, line.count))
            return line[from..<to].trimmingCharacters(in: .whitespaces)
        }
        // The architectures Keras writes at test time: their registry counts are Keras' (WiderApplicationsTests).
        let count = Verifying.testTimeArchitectures.contains(entry.name)
            ? entry.parameters : try #require(keras.kerasParameterCount(of: entry.name), "no Keras model or config for \(entry.name)")
        let input = entry.input_size.map { $0 < 0 ? "?" : String($0) }.joined(separator: "x")
        // The published file's size in decimal megabytes, as download sizes are quoted, where it is known.
        let published = entry.published_weights.map { $0.bytes.map { String(format: "%.1f MB", Double($0) / 1e6) } ?? "size unknown" } ?? "none"
        #expect(cells == [entry.name, count.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US"))), input, entry.preprocess,
                          published, entry.summary],
                "\(line)")
    }
}

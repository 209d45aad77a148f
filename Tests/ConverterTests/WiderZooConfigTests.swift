@testable import Converter
import Testing

/// The Keras configs of issue 14's preprocessing layers and SeparableConv2D, as the importer reads them: the weights each
/// declares (Keras' own shapes and names) and the attributes it keeps, and the forms Zoo cannot run, refused by layer.
@Suite struct WiderZooConfigTests {
    static func graph(_ layer: String) throws -> ModelGraph {
        try KerasConfigImporter(file: "model.json").importGraph(json: UntrustedSizeTests.sequential(layer))
    }

    @Test func normalizationKeepsItsValuesOrDeclaresAdaptedWeights() throws {
        let adapted = try Self.graph(#"{"class_name": "Normalization", "config": {"name": "n", "axis": [-1], "mean": null, "variance": null}}"#)
        let layer = try #require(adapted.layer(named: "n"))
        #expect(layer.op == .normalization)
        #expect(layer.weights == [WeightSpec(name: "mean", shape: [3]), WeightSpec(name: "variance", shape: [3]), WeightSpec(name: "count", shape: [])])
        #expect(layer.trainableWeights.isEmpty && adapted.parameterCount == 7)

        let given = try Self.graph(#"{"class_name": "Normalization", "config": {"name": "n", "axis": [], "mean": 0.25, "variance": 4.0, "invert": true}}"#)
        let constant = try #require(given.layer(named: "n"))
        #expect(constant.weights.isEmpty)
        #expect(constant.attributes["mean"]?.doublesValue == [0.25] && constant.attributes["variance"]?.doublesValue == [4])
        #expect(constant.attributes["invert"] == .bool(true))
    }

    @Test func rescalingReadsNumbersListsAndNumPyArrays() throws {
        let numpy = #"{"class_name": "__numpy__", "config": {"value": [0.5, 2.0, 1.25], "dtype": "float32"}}"#
        let graph = try Self.graph(#"{"class_name": "Rescaling", "config": {"name": "r", "scale": "# + numpy + #", "offset": [0.1, 0, -1]}}"#)
        let layer = try #require(graph.layer(named: "r"))
        #expect(layer.attributes["scale"]?.doublesValue == [0.5, 2, 1.25])
        #expect(layer.attributes["offset"]?.doublesValue == [0.1, 0, -1])
        #expect(layer.weights.isEmpty)
    }

    @Test func separableConvolutionDeclaresKerasWeights() throws {
        let graph = try Self.graph(#"{"class_name": "SeparableConv2D", "config": {"name": "s", "filters": 5, "kernel_size": [3, 3], "depth_multiplier": 2, "padding": "same", "depthwise_initializer": {"class_name": "HeNormal", "config": {}}}}"#)
        let layer = try #require(graph.layer(named: "s"))
        #expect(layer.weights == [WeightSpec(name: "depthwise_kernel", shape: [3, 3, 3, 2]), WeightSpec(name: "pointwise_kernel", shape: [1, 1, 6, 5]),
                                  WeightSpec(name: "bias", shape: [5])])
        #expect(layer.attributes["depthwise_kernel_initializer"]?.objectValue?["class"] == .string("HeNormal"))
        #expect(layer.attributes["pointwise_kernel_initializer"]?.objectValue?["class"] == .string("GlorotUniform"))
    }

    static let refusals: [(label: String, layer: String, message: String)] = [
        ("Normalization over the rows and columns", #"{"class_name": "Normalization", "config": {"name": "n", "axis": [1, 2]}}"#,
         "only the last (channel) axis"),
        ("a mean without a variance", #"{"class_name": "Normalization", "config": {"name": "n", "mean": [1, 2, 3], "variance": null}}"#,
         "without the other"),
        ("four means for three channels", #"{"class_name": "Normalization", "config": {"name": "n", "mean": [1, 2, 3, 4], "variance": [1, 1, 1, 1]}}"#,
         "for 3 channel(s)"),
        ("a scale per channel of another input", #"{"class_name": "Rescaling", "config": {"name": "r", "scale": [1, 2, 3, 4, 5]}}"#,
         "neither one nor one per channel"),
        ("a scale that is text", #"{"class_name": "Rescaling", "config": {"name": "r", "scale": "1/255"}}"#, "'scale'"),
    ]

    @Test(arguments: refusals.indices)
    func formsZooCannotRunAreRefusedByLayer(_ index: Int) throws {
        let (label, layer, message) = Self.refusals[index]
        let error = #expect(throws: ConversionError.self, "\(label)") { try Self.graph(layer) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains(message) && text.contains("model.json"), "\(label): \(text)")
    }
}

@testable import Converter
import Testing

/// The Keras configs of issue 14's preprocessing layers, SeparableConv2D, grouped Conv2D and the shape layers (Cropping2D,
/// CenterCrop, UpSampling2D, Resizing, Permute, LayerNormalization), as the importer reads them: the weights each declares
/// (Keras' own shapes and names), the attributes it keeps and the shapes it makes, and the forms Zoo cannot run, refused
/// by layer.
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

    /// The output shape ShapeInference gives `layer` of `graph` on the 8x8x3 input.
    static func outputShape(_ graph: ModelGraph, _ layer: String) throws -> [Int?] {
        let layer = try #require(graph.layer(named: layer))
        return try ShapeInference.infer(layer.op, layer.attributes, inputShapes: [[8, 8, 3]], layer: layer.name).output
    }

    @Test(arguments: [
        (#"1"#, [1, 1, 1, 1]),
        (#"[2, 1]"#, [2, 2, 1, 1]),
        (#"[[1, 0], [0, 3]]"#, [1, 0, 0, 3]),
        (#"[2, [0, 1]]"#, [2, 2, 0, 1]),
    ])
    func croppingReadsEveryFormKerasAccepts(_ form: String, _ margins: [Int]) throws {
        let graph = try Self.graph(#"{"class_name": "Cropping2D", "config": {"name": "c", "cropping": "# + form + #"}}"#)
        let layer = try #require(graph.layer(named: "c"))
        #expect(layer.op == .cropping2d && layer.attributes["cropping"] == .ints(margins) && layer.weights.isEmpty)
        #expect(try Self.outputShape(graph, "c") == [8 - margins[0] - margins[1], 8 - margins[2] - margins[3], 3])
    }

    @Test func shapeLayersKeepWhatTheyNeed() throws {
        let graph = try Self.graph(#"{"class_name": "UpSampling2D", "config": {"name": "u", "size": [2, 3], "interpolation": "bilinear"}}, "#
                                   + #"{"class_name": "CenterCrop", "config": {"name": "cc", "height": 5, "width": 7}}, "#
                                   + #"{"class_name": "Permute", "config": {"name": "p", "dims": [3, 1, 2]}}"#)
        #expect(graph.layer(named: "u")?.attributes["size"] == .ints([2, 3]) && graph.layer(named: "u")?.attributes["interpolation"] == .string("bilinear"))
        #expect(try Self.outputShape(graph, "u") == [16, 24, 3])
        #expect(graph.layer(named: "cc")?.op == .centerCrop && graph.layer(named: "cc")?.attributes["height"] == .int(5))
        #expect(graph.layer(named: "p")?.op == .permute && graph.layer(named: "p")?.attributes["dims"] == .ints([3, 1, 2]))
        #expect(try Self.outputShape(graph, "p") == [3, 8, 8])
        // An input smaller than the target is resized to it, as Keras does.
        #expect(try Self.outputShape(try Self.graph(#"{"class_name": "CenterCrop", "config": {"name": "cc", "height": 9, "width": 4}}"#), "cc") == [9, 4, 3])
        let nearest = try Self.graph(#"{"class_name": "UpSampling2D", "config": {"name": "u", "size": 2}}"#)
        #expect(nearest.layer(named: "u")?.attributes["interpolation"] == .string("nearest") && nearest.layer(named: "u")?.attributes["size"] == .ints([2, 2]))
    }

    @Test func layerNormalizationDeclaresKerasWeightsAndTrainingSettings() throws {
        let graph = try Self.graph(#"{"class_name": "LayerNormalization", "config": {"name": "ln", "axis": [3], "epsilon": 1e-05, "center": false, "#
                                   + #""gamma_regularizer": {"class_name": "L2", "config": {"l2": 0.01}}}}"#)
        let layer = try #require(graph.layer(named: "ln"))
        #expect(layer.op == .layerNorm && layer.weights == [WeightSpec(name: "gamma", shape: [3])] && layer.trainableWeights == layer.weights)
        #expect(layer.attributes["epsilon"] == .double(1e-5) && layer.attributes["axis"] == .int(3))
        #expect(layer.attributes["gamma_initializer"]?.objectValue?["class"] == .string("Ones"))
        #expect(layer.attributes["gamma_regularizer"]?.objectValue?["l2"] == .double(0.01))
        let defaults = try Self.graph(#"{"class_name": "LayerNormalization", "config": {"name": "ln"}}"#)
        #expect(defaults.layer(named: "ln")?.weights.map(\.name) == ["gamma", "beta"] && defaults.layer(named: "ln")?.attributes["epsilon"] == .double(1e-3))
    }

    @Test func groupedConvolutionDeclaresKerasKernel() throws {
        let graph = try Self.graph(#"{"class_name": "Conv2D", "config": {"name": "c", "filters": 8, "kernel_size": [3, 3], "padding": "same", "groups": 1}}, "#
                                   + #"{"class_name": "Conv2D", "config": {"name": "g", "filters": 12, "kernel_size": [3, 3], "strides": [2, 2], "groups": 4}}"#)
        let plain = try #require(graph.layer(named: "c")), grouped = try #require(graph.layer(named: "g"))
        // groups=1 is no attribute: an ungrouped layer's graph is the one Zoo wrote before grouped convolutions ran.
        #expect(plain.attributes["groups"] == nil && plain.weights.first == WeightSpec(name: "kernel", shape: [3, 3, 3, 8]))
        #expect(grouped.attributes["groups"] == .int(4))
        #expect(grouped.weights == [WeightSpec(name: "kernel", shape: [3, 3, 2, 12]), WeightSpec(name: "bias", shape: [12])])
        #expect(graph.parameterCount == 3 * 3 * 3 * 8 + 8 + 3 * 3 * 2 * 12 + 12)
        let shape = try ShapeInference.infer(grouped.op, grouped.attributes, inputShapes: [[8, 8, 8]], layer: "g").output
        #expect(shape == [3, 3, 12])
    }

    @Test func resizingKeepsWhatItNeeds() throws {
        let graph = try Self.graph(#"{"class_name": "Resizing", "config": {"name": "r", "height": 5, "width": 11, "pad_to_aspect_ratio": false, "#
                                   + #""fill_mode": "constant", "fill_value": 0.0, "antialias": false}}, "#
                                   + #"{"class_name": "Resizing", "config": {"name": "rn", "height": 3, "width": 2, "interpolation": "nearest", "#
                                   + #""crop_to_aspect_ratio": true}}"#)
        let bilinear = try #require(graph.layer(named: "r")), nearest = try #require(graph.layer(named: "rn"))
        #expect(bilinear.op == .resizing && bilinear.weights.isEmpty)
        #expect(bilinear.attributes == ["height": .int(5), "width": .int(11), "interpolation": .string("bilinear"), "crop_to_aspect_ratio": .bool(false)])
        #expect(nearest.attributes["interpolation"] == .string("nearest") && nearest.attributes["crop_to_aspect_ratio"] == .bool(true))
        #expect(try Self.outputShape(graph, "r") == [5, 11, 3])
    }

    /// Every interpolation of Keras' Resizing (and tf-keras') but bilinear and nearest: one line naming the layer and the
    /// interpolation, as the importer reports it.
    @Test(arguments: ["bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"])
    func resizingRefusesInterpolationsItDoesNotCompute(_ interpolation: String) throws {
        let layer = #"{"class_name": "Resizing", "config": {"name": "resize", "height": 4, "width": 4, "interpolation": ""# + interpolation + #""}}"#
        let error = #expect(throws: ConversionError.self) { try Self.graph(layer) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.hasSuffix("layer 'resize' (Resizing): interpolation '\(interpolation)' is not supported (supported: bilinear, nearest)"), "\(text)")
        #expect(!text.contains("\n"), "\(text)")
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
        ("cropping every row", #"{"class_name": "Cropping2D", "config": {"name": "c", "cropping": [[4, 4], [0, 0]]}}"#,
         "crops 8 of the input's 8 rows"),
        ("cropping of three numbers", #"{"class_name": "Cropping2D", "config": {"name": "c", "cropping": [1, 2, 3]}}"#, "unreadable cropping"),
        ("bicubic up-sampling", #"{"class_name": "UpSampling2D", "config": {"name": "u", "size": [2, 2], "interpolation": "bicubic"}}"#,
         "interpolation 'bicubic' is not supported (supported: nearest, bilinear)"),
        ("groups that do not divide the input channels", #"{"class_name": "Conv2D", "config": {"name": "g", "filters": 4, "kernel_size": 3, "groups": 2}}"#,
         "its 3 input channels and 4 filters do not both split into 2 groups"),
        ("Resizing padded to the aspect ratio", #"{"class_name": "Resizing", "config": {"name": "r", "height": 4, "width": 6, "pad_to_aspect_ratio": true}}"#,
         "pad_to_aspect_ratio=True is not supported"),
        ("antialiased Resizing", #"{"class_name": "Resizing", "config": {"name": "r", "height": 4, "width": 6, "antialias": true}}"#,
         "antialias=True"),
        ("dims that are no permutation", #"{"class_name": "Permute", "config": {"name": "p", "dims": [1, 1, 2]}}"#, "not a permutation"),
        ("dims of another rank", #"{"class_name": "Permute", "config": {"name": "p", "dims": [2, 1]}}"#, "not a permutation of the axes of (8, 8, 3)"),
        ("LayerNormalization over the rows", #"{"class_name": "LayerNormalization", "config": {"name": "ln", "axis": [1]}}"#,
         "only the last axis"),
        ("LayerNormalization over two axes", #"{"class_name": "LayerNormalization", "config": {"name": "ln", "axis": [2, 3]}}"#,
         "axes [2, 3]; only the last axis"),
        ("RMS scaling", #"{"class_name": "LayerNormalization", "config": {"name": "ln", "rms_scaling": true}}"#, "rms_scaling"),
        ("a class Zoo does not run", #"{"class_name": "UpSampling3D", "config": {"name": "u3"}}"#,
         "layer 'u3' (UpSampling3D): layer class UpSampling3D is not supported (supported: InputLayer, Conv2D"),
    ]

    @Test(arguments: refusals.indices)
    func formsZooCannotRunAreRefusedByLayer(_ index: Int) throws {
        let (label, layer, message) = Self.refusals[index]
        let error = #expect(throws: ConversionError.self, "\(label)") { try Self.graph(layer) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains(message) && text.contains("model.json"), "\(label): \(text)")
    }
}

import Converter
import Tensor
import Training
import Zoo

/// A recipe's model in the three shapes a run needs, with Keras' layer names in each, so weights pass between them
/// by name (`<layer>/<weight>`):
/// - `base`: the frozen ImageNet base alone at the recipe's input size, what the feature cache runs;
/// - `head`: the new layers alone, reading the base's output, what trains on cached features;
/// - `full`: both joined as the notebook's Keras model, what trains end to end (fine-tuning, or no cache).
public struct RecipeModel: Sendable {
    public let recipe: Recipe
    public let base: ModelGraph
    public let head: ModelGraph
    public let full: ModelGraph
    /// The registry entry whose weights the base loads (`vgg16-notop`, ...).
    public let baseEntry: String

    /// The head's input layer: the base's output feature map.
    public static let featuresInput = "base_features"

    /// - Parameter checkingTrainableParameters: compare the model's trainable parameters with the recipe's count
    ///   (off for a recipe resized by `quickSchedule`, whose Flatten head then has fewer).
    public init(_ recipe: Recipe, checkingTrainableParameters: Bool = true) throws {
        self.recipe = recipe
        let size = recipe.input.size
        var base = try Self.baseGraph(recipe.base.architecture, size: size)
        base.freeze()
        self.base = base
        baseEntry = "\(recipe.base.architecture)-notop"

        let featureShape = try Self.outputShape(of: base)
        var headBuilder = GraphBuilder(name: "head")
        let features = try headBuilder.input(Self.featuresInput, shape: featureShape)
        head = try Self.graph(headBuilder, appending: recipe.head, to: features, recipe: recipe.name)

        var fullBuilder = GraphBuilder(name: "model")
        let input = try fullBuilder.input("input_1", shape: [size, size, 3])
        let baseOutput = recipe.base.join == .nested
            ? try fullBuilder.nest(base, as: recipe.base.architecture, input: input)
            : try fullBuilder.inline(base, input: input)
        full = try Self.graph(fullBuilder, appending: recipe.head, to: baseOutput, recipe: recipe.name)

        let trainable = full.layers.reduce(0) { $0 + $1.trainableParameterCount }
        guard !checkingTrainableParameters || trainable == recipe.trainableParameters else {
            throw RecipeError("\(recipe.name): the model has \(trainable) trainable parameters, the recipe says \(recipe.trainableParameters) (Keras' model.summary() of the notebook)")
        }
    }

    /// The head's parameters as Keras creates them for new layers (each layer's `*_initializer`), all from one
    /// `seed`-ed stream in the head's layer order.
    public func initialHeadWeights(seed: UInt64) throws -> InMemoryWeights {
        var random = InitializerRandom(seed: seed)
        var tensors: [String: Tensor] = [:]
        for layer in head.layers {
            for weight in layer.weights {
                guard let attribute = layer.attributes["\(weight.name)_initializer"] else {
                    throw RecipeError("\(recipe.name): head layer '\(layer.name)' has no \(weight.name)_initializer")
                }
                let tensor = try Tensor(shape: weight.shape)
                try Initializer(attribute, shape: weight.shape).fill(tensor, random: &random)
                tensors[layer.tensorName(of: weight)] = tensor
            }
        }
        return InMemoryWeights(tensors, origin: "\(recipe.name) head initialised with seed \(seed)")
    }

    static func baseGraph(_ architecture: String, size: Int) throws -> ModelGraph {
        let shape: [Int?] = [size, size, 3]
        switch architecture {
        case "vgg16": return try VGG.graph(name: "vgg16", blocks: VGG.vgg16Blocks, includeTop: false, inputShape: shape)
        case "vgg19": return try VGG.graph(name: "vgg19", blocks: VGG.vgg19Blocks, includeTop: false, inputShape: shape)
        case "resnet50": return try ResNet.graph(includeTop: false, inputShape: shape)
        default: throw RecipeError("base architecture '\(architecture)': expected vgg16, vgg19 or resnet50")
        }
    }

    static func outputShape(of graph: ModelGraph) throws -> [Int?] {
        var builder = GraphBuilder(name: graph.name)
        guard let inputShape = graph.layer(named: graph.inputs[0])?.attributes["shape"]?.intsValue else {
            throw RecipeError("graph '\(graph.name)' has no fixed input shape")
        }
        let input = try builder.input("probe", shape: inputShape.map { $0 })
        return try builder.inline(graph, input: input).shape
    }

    /// Appends the recipe's head layers to `builder` after `start` (the base's output, named `base` in `inputs`).
    static func graph(_ builder: GraphBuilder, appending layers: [HeadLayer], to start: GraphBuilder.Node,
                      recipe: String) throws -> ModelGraph {
        var b = builder
        var nodes = ["base": start]
        var previous = start
        var initializers: [String: String] = [:]
        for layer in layers {
            func fail(_ problem: String) -> RecipeError { RecipeError("\(recipe): head layer '\(layer.name)': \(problem)") }
            func required<Value>(_ value: Value?, _ key: String) throws -> Value {
                guard let value else { throw fail("a \(layer.type) layer needs '\(key)'") }
                return value
            }
            let inputs = try layer.inputs?.map { name in
                guard let node = nodes[name] else { throw fail("input '\(name)' is not a layer before it (or 'base')") }
                return node
            } ?? [previous]
            let x = inputs[0]
            func single() throws {
                guard inputs.count == 1 else { throw fail("a \(layer.type) layer reads one input, not \(inputs.count)") }
            }
            let node: GraphBuilder.Node
            switch layer.type {
            case "batch_normalization":
                try single(); node = try b.batchNorm(layer.name, x)
            case "global_average_pooling2d":
                try single(); node = try b.globalAvgPool2d(layer.name, x)
            case "flatten":
                try single(); node = try b.flatten(layer.name, x)
            case "dropout":
                try single(); node = try b.dropout(layer.name, x, rate: try required(layer.rate, "rate"))
            case "dense":
                try single()
                node = try b.dense(layer.name, x, units: try required(layer.units, "units"), activation: layer.activation ?? "linear",
                                   kernelRegularizer: layer.l2.map(TrainingAttributes.l2))
            case "activation":
                try single()
                node = try b.activation(layer.name, x, try required(layer.activation, "activation"), alpha: layer.alpha)
            case "conv2d":
                try single()
                node = try b.conv2d(layer.name, x, filters: try required(layer.filters, "filters"),
                                    kernel: .square(try required(layer.kernelSize, "kernel_size")), padding: layer.padding ?? "valid",
                                    activation: layer.activation ?? "linear", useBias: layer.useBias ?? true,
                                    trainable: layer.trainable ?? true)
            case "multiply", "divide":
                guard inputs.count == 2 else { throw fail("a \(layer.type) layer reads two inputs") }
                node = try b.add(layer.name, layer.type == "multiply" ? .multiply : .divide, inputs: inputs)
            default:
                throw fail("unknown type '\(layer.type)' (batch_normalization, global_average_pooling2d, flatten, dropout, dense, activation, conv2d, multiply, divide)")
            }
            if let initializer = layer.kernelInitializer { initializers[layer.name] = initializer }
            nodes[layer.name] = node
            previous = node
        }
        var graph = b.buildInKerasOrder(outputs: [previous])
        for index in graph.layers.indices {
            if let initializer = initializers[graph.layers[index].name] {
                graph.layers[index].attributes["kernel_initializer"] = TrainingAttributes.kerasObject(initializer)
            }
        }
        return graph
    }
}

extension RecipeModel {
    /// How images reach the model: decoded, resized to the recipe's square input with its interpolation.
    public var loader: ImageLoader {
        ImageLoader(targetSize: .init(width: recipe.input.size, height: recipe.input.size), interpolation: recipe.input.interpolation)
    }
}

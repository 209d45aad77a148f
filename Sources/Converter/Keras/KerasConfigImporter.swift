import Foundation

/// Turns a Keras model config (`model_config` of a full-model `.h5`, `config.json` of a `.keras`)
/// into a `ModelGraph`. Accepts both config schemas Keras writes: Keras 2 / tf-keras
/// (`[[name, node, tensor, kwargs]]` inbound nodes) and Keras 3 (`{"args": ..., "kwargs": ...}`
/// with `__keras_tensor__` references), Functional and Sequential models, nested to any depth.
/// Each layer keeps its effective trainability (its own flag and every enclosing model's).
/// Anything Zoo cannot run faithfully is refused, naming the layer.
public struct KerasConfigImporter {
    let file: String

    public init(file: String) { self.file = file }

    public func importGraph(json: String) throws -> ModelGraph {
        let root = try parse(json)
        try refuseUntranslatableLayers(in: root)
        return try model(root, place: "model config")
    }

    /// Every layer Zoo cannot translate, found before the graph is built: one refusal is thrown as it is
    /// (one line), several together (one line each). The graph build would stop at the first.
    private func refuseUntranslatableLayers(in root: [String: Any]) throws {
        var refusals: [ConversionError] = []
        func walk(_ entry: [String: Any]) {
            let layers = (entry["config"] as? [String: Any])?["layers"] as? [[String: Any]] ?? (entry["config"] as? [[String: Any]]) ?? []
            for layer in layers {
                let className = layer["class_name"] as? String ?? "?"
                if ["Functional", "Model", "Sequential"].contains(className) { walk(layer); continue }
                guard className != "InputLayer", let name = try? layerName(layer, place: "") else { continue }
                do {
                    _ = try KerasLayerTranslation.translate(className: className, name: name, config: layer["config"] as? [String: Any] ?? [:])
                } catch {   // translate throws only Refusals
                    refusals.append(failure("layer '\(name)' (\(className))", (error as? KerasLayerTranslation.Refusal)?.reason ?? "\(error)"))
                }
            }
        }
        walk(root)
        if refusals.count == 1 { throw refusals[0] }
        if refusals.count > 1 { throw ConversionErrors(errors: refusals) }
    }

    /// Where a Keras 3 weights file keeps each layer's variables when it does not record layer
    /// names (tf-keras, Keras before 3.6): `layers/<snake_case class>[_N]` in `model.layers` order,
    /// nested models under `layers/<…>/layers/` (Keras' `_save_container_state`; docs/keras-numerics.md §7.5).
    public func v3Paths(json: String) throws -> [String: String] {
        var paths: [String: String] = [:]
        func walk(_ entry: [String: Any], prefix: String) {
            let config = entry["config"] as? [String: Any]
            let layers = config?["layers"] as? [[String: Any]] ?? (entry["config"] as? [[String: Any]]) ?? []
            var used: [String: Int] = [:]
            for layer in layers {
                var snake = Self.snakeCase(layer["class_name"] as? String ?? "")
                if let count = used[snake] { used[snake] = count + 1; snake += "_\(count + 1)" } else { used[snake] = 0 }
                let path = "\(prefix)/\(snake)"
                if let name = (try? layerName(layer, place: "")) { paths[name] = path }
                if ["Functional", "Model", "Sequential"].contains(layer["class_name"] as? String ?? "") {
                    walk(layer, prefix: "\(path)/layers")
                }
            }
        }
        walk(try parse(json), prefix: "layers")
        return paths
    }

    /// Keras' `naming.to_snake_case`: `BatchNormalization` → `batch_normalization`, `ReLU` → `re_lu`.
    static func snakeCase(_ name: String) -> String {
        var result = name.filter { $0.isLetter || $0.isNumber || $0 == "_" }
        for (pattern, template) in [("(.)([A-Z][a-z]+)", "$1_$2"), ("([a-z])([A-Z])", "$1_$2")] {
            let expression = try! NSRegularExpression(pattern: pattern)
            result = expression.stringByReplacingMatches(in: result, range: NSRange(result.startIndex..., in: result), withTemplate: template)
        }
        return result.lowercased()
    }

    private func parse(_ json: String) throws -> [String: Any] {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw ConversionError(file: file, place: "model config", "is not a JSON object")
        }
        return root
    }

    // MARK: Models

    /// A model, with its own `trainable: false` applied to all its layers (nested models included).
    private func model(_ entry: [String: Any], place: String) throws -> ModelGraph {
        var graph = try layers(of: entry, place: place)
        if let config = entry["config"] as? [String: Any], !KerasTrainingTranslation.trainable(config) { graph.freeze() }
        return graph
    }

    private func layers(of entry: [String: Any], place: String) throws -> ModelGraph {
        let className = entry["class_name"] as? String ?? ""
        let config = entry["config"]
        switch className {
        case "Functional", "Model":
            guard let config = config as? [String: Any] else { throw failure(place, "has no config") }
            return try functional(config, place: place)
        case "Sequential":
            // Keras <= 2.2.2 wrote a Sequential config as a bare list of layers.
            if let layers = config as? [[String: Any]] { return try sequential(["layers": layers, "name": "sequential"], place: place) }
            guard let config = config as? [String: Any] else { throw failure(place, "has no config") }
            return try sequential(config, place: place)
        default:
            throw failure(place, "is a '\(className)', not a Functional or Sequential model (subclassed models cannot be converted)")
        }
    }

    private func functional(_ config: [String: Any], place: String) throws -> ModelGraph {
        let name = config["name"] as? String ?? "model"
        var builder = GraphBuilder(name: name)
        var outputs: [String: GraphBuilder.Node] = [:]
        guard let layers = config["layers"] as? [[String: Any]] else { throw failure(place, "has no layers") }
        for entry in layers {
            let layerName = try self.layerName(entry, place: place)
            let where_ = "layer '\(layerName)'"
            let inbound = try inboundLayers(entry["inbound_nodes"], layer: layerName)
            let inputs = try inbound.map { source -> GraphBuilder.Node in
                guard let tensor = outputs[source] else { throw failure(where_, "refers to '\(source)', which comes later or does not exist") }
                return tensor
            }
            outputs[layerName] = try addLayer(entry, name: layerName, inputs: inputs, to: &builder)
        }
        let outputNames = try references(config["output_layers"], place: "\(place) output_layers")
        let outputNodes = try outputNames.map { name -> GraphBuilder.Node in
            guard let tensor = outputs[name] else { throw failure(place, "output layer '\(name)' does not exist") }
            return tensor
        }
        return builder.build(outputs: outputNodes)
    }

    private func sequential(_ config: [String: Any], place: String) throws -> ModelGraph {
        let name = config["name"] as? String ?? "sequential"
        var builder = GraphBuilder(name: name)
        guard let layers = config["layers"] as? [[String: Any]], !layers.isEmpty else { throw failure(place, "has no layers") }
        var current: GraphBuilder.Node?
        for entry in layers {
            let layerName = try self.layerName(entry, place: place)
            if current == nil, entry["class_name"] as? String != "InputLayer" {
                // No InputLayer: the first layer carries the input shape (Keras 2) or the build config (Keras 3).
                let shape = try inputShape(of: entry, layer: layerName)
                current = try builder.input("\(name)_input", shape: shape)
            }
            current = try addLayer(entry, name: layerName, inputs: current.map { [$0] } ?? [], to: &builder)
        }
        return builder.build(outputs: [current!])
    }

    // MARK: Layers

    private func addLayer(_ entry: [String: Any], name: String, inputs: [GraphBuilder.Node],
                          to builder: inout GraphBuilder) throws -> GraphBuilder.Node {
        let className = entry["class_name"] as? String ?? "?"
        let place = "layer '\(name)' (\(className))"
        if ["Functional", "Model", "Sequential"].contains(className) {
            let inner = try model(entry, place: place)
            guard inputs.count == 1 else { throw failure(place, "nested models must take exactly one input") }
            do { return try builder.nest(inner, as: name, input: inputs[0]) }
            catch let error as GraphBuilder.Failure { throw failure(place, error.description) }
        }
        let config = entry["config"] as? [String: Any] ?? [:]
        if config["data_format"] as? String == "channels_first" {
            throw failure(place, "uses data_format 'channels_first'; Zoo runs channels_last (NHWC) models only, re-save the model channels_last")
        }
        do {
            if className == "InputLayer" {
                return try builder.input(name, shape: try inputShape(of: entry, layer: name))
            }
            let (op, attributes) = try KerasLayerTranslation.translate(className: className, name: name, config: config)
            return try builder.add(name, op, attributes, inputs: inputs, trainable: KerasTrainingTranslation.trainable(config))
        } catch let error as KerasLayerTranslation.Refusal {
            throw failure(place, error.reason)
        } catch let error as GraphBuilder.Failure {
            throw failure(place, error.description)
        }
    }

    private func layerName(_ entry: [String: Any], place: String) throws -> String {
        if let name = entry["name"] as? String { return name }
        if let name = (entry["config"] as? [String: Any])?["name"] as? String { return name }
        throw failure(place, "a layer has no name")
    }

    /// The input shape without the batch axis, from whichever key this Keras version wrote.
    private func inputShape(of entry: [String: Any], layer: String) throws -> [Int?] {
        let config = entry["config"] as? [String: Any] ?? [:]
        let buildShape = (entry["build_config"] as? [String: Any])?["input_shape"]
        for candidate in [config["batch_shape"], config["batch_input_shape"], buildShape] {
            if let shape = candidate as? [Any], !shape.isEmpty {
                return shape.dropFirst().map { ($0 as? NSNumber)?.intValue }
            }
        }
        throw failure("layer '\(layer)'", "has no input shape")
    }

    // MARK: Connections

    /// The layers feeding a layer's single call, from either inbound-node schema.
    private func inboundLayers(_ nodes: Any?, layer: String) throws -> [String] {
        guard let nodes = nodes as? [Any], !nodes.isEmpty else { return [] }
        guard nodes.count == 1 else {
            throw failure("layer '\(layer)'", "is called \(nodes.count) times; shared layers are not supported")
        }
        if let node = nodes[0] as? [String: Any] {          // Keras 3
            if let kwargs = node["kwargs"], !kerasTensors(in: kwargs).isEmpty {
                throw failure("layer '\(layer)'", "takes tensors as keyword arguments, which Zoo cannot translate")
            }
            return kerasTensors(in: node["args"] ?? [])
        }
        guard let node = nodes[0] as? [Any] else { throw failure("layer '\(layer)'", "has unreadable inbound nodes") }
        return try node.map { reference in                  // Keras 1 and 2: [name, node, tensor(, kwargs)]
            guard let parts = reference as? [Any], let name = parts.first as? String else {
                throw failure("layer '\(layer)'", "has an unreadable inbound reference")
            }
            if parts.count > 3, let kwargs = parts[3] as? [String: Any], kwargs.values.contains(where: { ($0 as? [Any])?.first is String }) {
                throw failure("layer '\(layer)'", "takes tensors as keyword arguments, which Zoo cannot translate")
            }
            return name
        }
    }

    /// Every `__keras_tensor__` reference inside a Keras 3 argument structure, in order.
    private func kerasTensors(in value: Any) -> [String] {
        if let object = value as? [String: Any] {
            if object["class_name"] as? String == "__keras_tensor__",
               let history = (object["config"] as? [String: Any])?["keras_history"] as? [Any],
               let name = history.first as? String {
                return [name]
            }
            return object.keys.sorted().flatMap { kerasTensors(in: object[$0]!) }
        }
        if let array = value as? [Any] { return array.flatMap(kerasTensors(in:)) }
        return []
    }

    /// `input_layers`/`output_layers`: a list of [name, node, tensor] triples, or one flat triple (Keras 3).
    private func references(_ value: Any?, place: String) throws -> [String] {
        guard let list = value as? [Any], !list.isEmpty else { throw failure(place, "is missing") }
        if let name = list.first as? String { return [name] }
        return try list.map {
            guard let name = ($0 as? [Any])?.first as? String else { throw failure(place, "is unreadable") }
            return name
        }
    }

    private func failure(_ place: String, _ problem: String) -> ConversionError {
        ConversionError(file: file, place: place, problem)
    }
}

/// Pairs every weight a graph needs with the stored weight that fills it, the way Keras itself
/// loads the file (docs/keras-numerics.md §7): legacy weights-only files by the order of their weighted
/// layers (how keras.applications loads the published files), everything else by layer name.
/// Shapes must agree exactly, and nothing may be left over on either side, unless the match is partial:
/// then the file may hold more than the graph (a fine-tuned model whose backbone is wanted), always matched
/// by name, and what it holds beyond the graph is reported as left out.
public struct WeightMatcher {
    public struct Match: Sendable {
        public let tensorName: String
        public let shape: [Int]
        public let source: KerasCheckpoint.StoredWeight
    }

    /// Every weight the graph needs, in graph order, and (partial matches only) the file's layers it does not.
    public struct Matching: Sendable {
        public let matches: [Match]
        public let leftOut: [KerasCheckpoint.WeightGroup]
    }

    public enum Strategy: String, Sendable {
        case byOrder = "by order", byName = "by name"

        /// Keras loads legacy weights-only files by the order of their weighted layers; a partial match
        /// can only go by name.
        public init(for format: KerasCheckpoint.Format, partial: Bool = false) {
            self = format == .legacyWeights && !partial ? .byOrder : .byName
        }
    }

    let checkpoint: KerasCheckpoint
    let graph: ModelGraph
    let graphName: String
    /// For v3 files without layer names: layer name by variable path (`layers/conv2d_1`).
    let layerByV3Path: [String: String]
    /// The file may hold layers the graph does not have.
    let partial: Bool

    public init(checkpoint: KerasCheckpoint, graph: ModelGraph, graphName: String, v3Paths: [String: String] = [:], partial: Bool = false) {
        self.checkpoint = checkpoint
        self.graph = graph
        self.graphName = graphName
        self.partial = partial
        layerByV3Path = Dictionary(v3Paths.map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The weighted units of the graph at the top level: a plain layer, or a whole nested model.
    struct Unit {
        let name: String
        let layers: [Layer]
        var isNested: Bool { layers.count > 1 || layers.first?.name != name }
        var weightCount: Int { layers.reduce(0) { $0 + $1.weights.count } }
    }

    var units: [Unit] {
        var order: [String] = []
        var members: [String: [Layer]] = [:]
        for layer in graph.layers where !layer.weights.isEmpty {
            let unit = layer.scope.first ?? layer.name
            if members[unit] == nil { order.append(unit) }
            members[unit, default: []].append(layer)
        }
        return order.map { Unit(name: $0, layers: members[$0]!) }
    }

    public func matches() throws -> Matching {
        let result: Matching
        switch checkpoint.format {
        case .legacyWeights, .legacyFullModel: result = try legacyMatches(byName: Strategy(for: checkpoint.format, partial: partial) == .byName)
        case .v3Weights, .archive: result = try v3Matches()
        }
        // Emit in graph order, whatever order the file holds them in.
        let byName = Dictionary(result.matches.map { ($0.tensorName, $0) }, uniquingKeysWith: { first, _ in first })
        return Matching(matches: graph.weightSpecs.compactMap { byName[$0.tensorName] }, leftOut: result.leftOut)
    }

    // MARK: Legacy layout

    private func legacyMatches(byName: Bool) throws -> Matching {
        let units = self.units, groups = checkpoint.groups
        var pairs: [(Unit, KerasCheckpoint.WeightGroup)] = []
        var leftOut: [KerasCheckpoint.WeightGroup] = []
        if byName {
            let groupsByName = Dictionary(groups.map { ($0.name ?? "", $0) }, uniquingKeysWith: { first, _ in first })
            for unit in units {
                guard let group = groupsByName[unit.name] else { throw missing(unit.layers) }
                pairs.append((unit, group))
            }
            leftOut = groups.filter { group in !units.contains { $0.name == group.name } }
            if let extra = leftOut.first, !partial {
                throw failure(extra.place, "holds weights for '\(extra.name ?? "?")', a layer \(graphName) does not have")
            }
        } else {
            // Compare pairwise first, so a wrong architecture is reported at its first differing layer.
            for (unit, group) in zip(units, groups) {
                _ = try unitMatches(unit, group)
                pairs.append((unit, group))
            }
            guard units.count == groups.count else {
                throw failure(nil, "the file has \(groups.count) layers with weights, \(graphName) has \(units.count)"
                              + (units.count > groups.count ? " (first missing: '\(units[groups.count].name)')"
                                                            : " (first extra: '\(groups[units.count].name ?? "?")')"))
            }
        }
        return Matching(matches: try pairs.flatMap { try unitMatches($0.0, $0.1) }, leftOut: leftOut)
    }

    private func unitMatches(_ unit: Unit, _ group: KerasCheckpoint.WeightGroup) throws -> [Match] {
        guard group.weights.count == unit.weightCount else {
            throw failure(group.place, "holds \(group.weights.count) weights, layer '\(unit.name)' of \(graphName) has \(unit.weightCount)"
                          + " (\(unit.layers.flatMap { $0.weights.map(\.name) }.joined(separator: ", ")))")
        }
        if unit.isNested {
            // A nested model's group lists every inner weight as "<inner layer>/<weight>", trainable
            // ones first, so the inner names are the only reliable key (docs/keras-numerics.md §7.3).
            return try group.weights.map { stored in
                let parts = (stored.storedName ?? "").split(separator: "/").map(String.init)
                guard parts.count >= 2, let layer = unit.layers.first(where: { $0.name == parts[parts.count - 2] || $0.name.hasSuffix("/\(parts[parts.count - 2])") }),
                      let spec = WeightNames.spec(stored: parts[parts.count - 1], of: layer, storedLayer: layer.name) else {
                    throw failure(stored.place, "weight '\(stored.storedName ?? "?")' matches no layer of nested model '\(unit.name)'")
                }
                return try match(layer, spec, stored)
            }
        }
        let layer = unit.layers[0]
        let named = group.weights.map { WeightNames.spec(stored: $0.storedName ?? "", of: layer, storedLayer: group.name ?? layer.name) }
        let byName = named.allSatisfy { $0 != nil } && Set(named.map { $0!.name }).count == named.count
        return try zip(group.weights, named).enumerated().map { index, pair in
            try match(layer, byName ? pair.1! : layer.weights[index], pair.0)
        }
    }

    // MARK: v3 layout

    private func v3Matches() throws -> Matching {
        let layers = graph.layers.filter { !$0.weights.isEmpty }
        let named = try checkpoint.groups.map { group -> (String, KerasCheckpoint.WeightGroup) in
            if let name = group.name ?? layerByV3Path[String(group.place.drop { $0 == "/" })] { return (name, group) }
            throw failure(group.place, "has no layer name (Keras before 3.6 and tf-keras do not record them), "
                          + "so only a file with its model config (.keras) can be matched")
        }
        var remaining = Dictionary(grouping: named, by: \.0).mapValues { $0.map(\.1) }
        var result: [Match] = []
        for layer in layers {
            let key = remaining[layer.name] != nil ? layer.name : String(layer.name.split(separator: "/").last!)
            guard let candidates = remaining.removeValue(forKey: key) else { throw missing([layer]) }
            // Subclassed models may hold two layers of one name (two backbones): which one is meant is a guess.
            guard candidates.count == 1, let group = candidates.first else {
                throw failure(nil, "\(candidates.count) layers are named '\(key)' (\(candidates.map(\.place).joined(separator: ", "))): "
                              + "which one layer '\(layer.name)' of \(graphName) is cannot be told")
            }
            guard group.weights.count == layer.weights.count else {
                throw failure(group.place, "holds \(group.weights.count) weights, layer '\(layer.name)' of \(graphName) has \(layer.weights.count)")
            }
            result += try zip(layer.weights, group.weights).map { try match(layer, $0, $1) }
        }
        let leftOut = remaining.values.flatMap { $0 }.sorted { $0.place < $1.place }
        if let extra = leftOut.first, !partial {
            throw failure(extra.place, "holds weights for '\(extra.name ?? "?")', a layer \(graphName) does not have")
        }
        return Matching(matches: result, leftOut: leftOut)
    }

    // MARK: Helpers

    private func match(_ layer: Layer, _ spec: WeightSpec, _ stored: KerasCheckpoint.StoredWeight) throws -> Match {
        guard spec.shape == stored.shape else {
            throw failure(stored.place, "tensor '\(layer.tensorName(of: spec))' (layer '\(layer.name)' \(spec.name)) has shape "
                          + "\(describe(stored.shape)) in the file, \(graphName) expects \(describe(spec.shape))")
        }
        return Match(tensorName: layer.tensorName(of: spec), shape: spec.shape, source: stored)
    }

    /// The layers have no weights in the file: names each tensor it lacks, with the shape expected.
    private func missing(_ layers: [Layer]) -> ConversionError {
        let tensors = layers.flatMap { layer in layer.weights.map { "'\(layer.tensorName(of: $0))' \(describe($0.shape))" } }
        let names = layers.map(\.name)
        return failure(nil, "layer\(names.count == 1 ? "" : "s") '\(names.joined(separator: "', '"))' of \(graphName) "
                       + "\(names.count == 1 ? "has" : "have") no weights in the file: missing tensors \(tensors.joined(separator: ", "))")
    }

    private func describe(_ shape: [Int]) -> String { "(" + shape.map(String.init).joined(separator: ", ") + ")" }

    private func failure(_ place: String?, _ problem: String) -> ConversionError {
        ConversionError(file: checkpoint.path, place: place, problem)
    }
}

/// Weight names across Keras generations, reduced to the short names of today's Keras.
enum WeightNames {
    static let keras1: [String: String] = ["W": "kernel", "b": "bias", "running_mean": "moving_mean", "running_std": "moving_variance"]
    static let current: Set<String> = ["kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance", "mean", "variance", "count",
                                       "depthwise_kernel", "pointwise_kernel"]
    /// tf-keras names Keras 3 changed: DepthwiseConv2D's `depthwise_kernel` is its `kernel` (SeparableConv2D's is still
    /// `depthwise_kernel`).
    static let tfKeras: [String: String] = ["depthwise_kernel": "kernel"]

    /// The weight of `layer` a stored weight fills (`storedLayer`: the layer name the file stores it under): by its
    /// `canonical` name, or the name Keras 3 gave it. Nil when unrecognised.
    static func spec(stored: String, of layer: Layer, storedLayer: String) -> WeightSpec? {
        guard let name = canonical(stored, layer: storedLayer) else { return nil }
        return layer.weights.first { $0.name == name } ?? tfKeras[name].flatMap { renamed in layer.weights.first { $0.name == renamed } }
    }

    /// `block1_conv1/kernel:0` → `kernel`; `dw/depthwise_kernel:0` → `depthwise_kernel`; `block1_conv1_W_1:0` → `kernel`;
    /// `bn_conv1_running_std:0` → `moving_variance` (Keras 1 stored the variance under that name). Nil when unrecognised.
    static func canonical(_ stored: String, layer: String) -> String? {
        var name = String(stored.split(separator: "/").last ?? "")
        if let colon = name.lastIndex(of: ":") { name = String(name[..<colon]) }
        if current.contains(name) { return name }
        let layerName = String(layer.split(separator: "/").last ?? "")
        if name.hasPrefix(layerName + "_") { name.removeFirst(layerName.count + 1) }
        if current.contains(name) { return name }
        if let mapped = keras1[name] { return mapped }
        // TensorFlow uniquified some Keras 1 variables with a numeric suffix: `W_1`.
        if let underscore = name.lastIndex(of: "_"), Int(name[name.index(after: underscore)...]) != nil {
            let base = String(name[..<underscore])
            return keras1[base] ?? (current.contains(base) ? base : nil)
        }
        return nil
    }
}

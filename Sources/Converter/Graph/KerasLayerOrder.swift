/// Keras' `model.layers` order, reproduced: the order in which `load_weights` pairs a legacy
/// checkpoint's weighted layers with the model's (docs/keras-numerics.md §7.3-7.4).
///
/// Keras walks the graph depth-first from the outputs, numbering layers as it first reaches them,
/// gives each layer a depth (the longest path to an output), and lists layers by decreasing depth,
/// ties broken by that numbering (tf-keras `functional._map_graph_network`, Keras 3 `map_graph`).
/// This is why ResNet50's shortcut `conv2_block1_0_conv` comes after `conv2_block1_2_relu`.
/// A nested model counts as one layer at its level; its own layers keep their order inside it.
enum KerasLayerOrder {
    static func sorted(_ layers: [Layer], outputs: [String]) -> [Layer] {
        func unit(of layer: Layer) -> String { layer.scope.first ?? layer.name }
        let unitOfLayer = Dictionary(layers.map { ($0.name, unit(of: $0)) }, uniquingKeysWith: { first, _ in first })

        // Each unit's inputs from outside itself, in call order.
        var unitInputs: [String: [String]] = [:]
        var unitOrder: [String] = []
        for layer in layers {
            let owner = unit(of: layer)
            if unitInputs[owner] == nil { unitInputs[owner] = []; unitOrder.append(owner) }
            for input in layer.inputs {
                guard let source = unitOfLayer[input], source != owner else { continue }
                if !unitInputs[owner]!.contains(source) { unitInputs[owner]!.append(source) }
            }
        }

        // Depth-first from the outputs: first-visit numbering and finishing order.
        var index: [String: Int] = [:]
        var finished: [String] = []
        var done: Set<String> = []
        func visit(_ node: String) {
            if done.contains(node) { return }
            if index[node] == nil { index[node] = index.count }
            for parent in unitInputs[node] ?? [] { visit(parent) }
            done.insert(node)
            finished.append(node)
        }
        for output in outputs { visit(unitOfLayer[output] ?? output) }

        // Depth: 0 at the outputs, one more than the deepest consumer for everything upstream.
        var depth: [String: Int] = [:]
        for node in finished.reversed() {
            let own = depth[node, default: 0]
            depth[node] = own
            for parent in unitInputs[node] ?? [] { depth[parent] = max(depth[parent, default: 0], own + 1) }
        }

        // Units never reached from the outputs keep their place at the end, as Keras drops them.
        let ordered = unitOrder.filter { depth[$0] != nil }.sorted {
            (depth[$0]!, -index[$0]!) > (depth[$1]!, -index[$1]!)
        } + unitOrder.filter { depth[$0] == nil }
        let members = Dictionary(grouping: layers, by: unit(of:))
        return ordered.flatMap { members[$0] ?? [] }
    }
}

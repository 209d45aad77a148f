import Converter
import Foundation
import Tensor

/// Deliberately wrong models, for proving that `zoo verify` catches a real numerical bug and names the layer
/// that has it. Each fault is a rewrite of the graph, so the engine itself has no fault to carry: the rewritten
/// graph runs on the ordinary kernels. Chosen by the environment variable `ZOO_FAULT`, which is read here and
/// nowhere else; it is never set in normal use.
public enum EngineFault: String, Sendable, CaseIterable {
    /// 'same' padding of strided convolutions split evenly, `ceil(total / 2)` on each side (what PyTorch's
    /// symmetric `padding=` does), instead of TensorFlow's extra pixel at the bottom and right. Applied at the
    /// input size the graph declares.
    case symmetricPadding = "symmetric-padding"
    /// Every BatchNormalization uses epsilon 1e-3 (the Keras default) instead of its configured value.
    case bnEpsilon1e3 = "bn-epsilon-1e-3"

    public static let environmentVariable = "ZOO_FAULT"

    /// The fault `ZOO_FAULT` asks for, nil when it is unset or empty.
    public static func fromEnvironment() throws -> EngineFault? {
        guard let value = ProcessInfo.processInfo.environment[environmentVariable], !value.isEmpty else { return nil }
        guard let fault = EngineFault(rawValue: value) else {
            throw ModelError("\(environmentVariable)=\(value) is not a known fault (\(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return fault
    }

    /// `graph` with the fault in it, and the names of the layers the rewrite added (they have no Keras
    /// counterpart to compare with).
    public func inject(into graph: ModelGraph) throws -> (graph: ModelGraph, addedLayers: Set<String>) {
        var faulty = graph
        switch self {
        case .bnEpsilon1e3:
            for index in faulty.layers.indices where faulty.layers[index].op == .batchNorm {
                faulty.layers[index].attributes["epsilon"] = .double(1e-3)
            }
            return (faulty, [])
        case .symmetricPadding:
            return try padEvenly(graph)
        }
    }

    /// Every strided 'same' convolution becomes a zero padding of `ceil(total / 2)` on both sides of each strided
    /// axis (TensorFlow's split on a stride-1 axis, where even padding would change the size) followed by a
    /// 'valid' convolution. On a strided axis the output size stays TensorFlow's: with `o = ceil(n / s)` and
    /// `total = (o - 1) s + k - n`, the padded size `n + total + 1` gives `floor(((o - 1) s + 1) / s) + 1 = o`.
    private func padEvenly(_ graph: ModelGraph) throws -> (graph: ModelGraph, addedLayers: Set<String>) {
        let shapes = try StepPlanner.staticShapes(StepPlanner.topologicalOrder(graph))
        var layers: [Layer] = [], added = Set<String>()
        for var layer in graph.layers {
            guard layer.op == .conv2d, layer.attributes["padding"]?.stringValue == "same",
                  let kernel = layer.attributes["kernel_size"]?.intsValue, let strides = layer.attributes["strides"]?.intsValue,
                  kernel.count == 2, strides.count == 2, strides.contains(where: { $0 > 1 }) else {
                layers.append(layer)
                continue
            }
            let dilation = layer.attributes["dilation_rate"]?.intsValue ?? [1, 1]
            guard let input = layer.inputs.first, let shape = shapes[input], shape.count == 3,
                  let height = shape[0], let width = shape[1] else {
                throw ModelError.layer(layer.name, "conv2d", "the \(rawValue) fault needs the input size the graph declares, and this layer's is not fixed")
            }
            func split(_ size: Int, _ axis: Int) -> (Int, Int) {
                let tensorFlow = WindowAxis(input: size, kernel: kernel[axis], stride: strides[axis], dilation: dilation[axis], padding: .same)
                let total = tensorFlow.padBefore + tensorFlow.padAfter
                return strides[axis] > 1 ? ((total + 1) / 2, (total + 1) / 2) : (tensorFlow.padBefore, tensorFlow.padAfter)
            }
            let rows = split(height, 0), columns = split(width, 1)
            let pad = Layer(name: "\(layer.name)/\(rawValue)", op: .zeroPad2d,
                            attributes: ["padding": .ints([rows.0, rows.1, columns.0, columns.1])],
                            inputs: layer.inputs, scope: layer.scope)
            layer.inputs = [pad.name]
            layer.attributes["padding"] = .string("valid")
            layers += [pad, layer]
            added.insert(pad.name)
        }
        var faulty = graph
        faulty.layers = layers
        return (faulty, added)
    }
}

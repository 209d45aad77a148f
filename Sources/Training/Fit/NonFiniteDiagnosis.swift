import Converter
import Tensor
import Zoo

/// Training stopped at a step whose loss or gradients were not finite: where the first NaN or infinity appeared.
public struct NonFiniteError: Error, CustomStringConvertible, Sendable {
    /// Counted from 1 over the whole run.
    public let step: Int
    public let epoch: Int
    public let batch: Int
    public let problem: String

    public var description: String { "step \(step) (epoch \(epoch + 1), batch \(batch + 1)): \(problem)" }
}

/// Finds the first place a non-finite value appears, so a diverging run names a layer rather than only "loss: nan".
enum NonFiniteDiagnosis {
    /// The parameter gradients, walked from the output down (the order the backward pass makes them): the
    /// topmost layer with a NaN or infinity, where the non-finite gradient entered. nil when all are finite.
    static func gradientProblem(_ gradients: ModelGradients, graph: ModelGraph) -> String? {
        for layer in graph.layers.reversed() {
            for weight in layer.weights {
                let name = layer.tensorName(of: weight)
                if let gradient = gradients.parameters[name], !isFinite(gradient) {
                    return "the gradient of '\(name)' is not finite (layer '\(layer.name)', \(layer.op.rawValue))"
                }
            }
        }
        return nil
    }

    /// Why `loss` is not finite: the first layer, in graph order, whose output holds a NaN or infinity. The
    /// training model keeps its last forward pass's values to itself, so the batch is run again layer by layer
    /// in inference mode over the same parameters (BatchNormalization on its moving statistics: a value the
    /// batch statistics alone make non-finite shows as no layer, and the message says so).
    static func lossProblem(_ loss: Float, inputs: [Tensor], model: TrainingModel) -> String {
        let head = "the loss is \(loss.isNaN ? "NaN" : "\(loss)")"
        do {
            let inference = try Model(graph: model.graph, weights: model.parameters, mode: .layerByLayer)
            let values = try inference.activations(inputs)
            let named = model.graph.inputs.count > 1
            for layer in model.graph.layers {
                if let value = values[layer.name], !isFinite(value) {
                    let what = layer.op == .input ? (named ? "the input batch '\(layer.name)'" : "the input batch")
                        : "the output of layer '\(layer.name)' (\(layer.op.rawValue))"
                    return "\(head); first non-finite value: \(what)"
                }
            }
            return "\(head); every layer's output is finite in inference mode, so the training pass's batch statistics or the loss itself overflowed"
        } catch {
            return "\(head); the layers could not be rerun to find where (\(error))"
        }
    }

    static func isFinite(_ tensor: Tensor) -> Bool {
        UnsafeBufferPointer(start: tensor.pointer, count: tensor.count).allSatisfy(\.isFinite)
    }
}

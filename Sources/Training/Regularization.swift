import Converter
import Tensor
import Zoo

/// Keras' weight regularisers (`keras/src/regularizers/regularizers.py`): `L1L2.__call__` adds
/// `l1 * sum(abs(x))` and `l2 * sum(square(x))` to the loss (L1 and L2 are the one-factor cases), without any
/// division by the batch. Their gradient, added to the parameter's: `l1 * sign(x) + 2 * l2 * x` (TensorFlow's
/// gradient of `abs` at 0 is `sign(0)` = 0).
public struct Regularizer: Equatable, Sendable {
    public let l1: Float
    public let l2: Float

    public init(l1: Float = 0, l2: Float = 0) {
        self.l1 = l1
        self.l2 = l2
    }

    /// Reads a serialised regulariser as the graph keeps it (`TrainingAttributes.l2(0.001)`: class `L2`, key `l2`).
    public init(_ attribute: AttributeValue) throws {
        guard let object = attribute.objectValue, let className = object["class"]?.stringValue,
              let keys = TrainingAttributes.knownRegularizers[className] else {
            throw OptimizerError("regulariser \(attribute): Zoo applies only \(TrainingAttributes.knownRegularizers.keys.sorted())")
        }
        func factor(_ key: String) -> Float { keys.contains(key) ? Float(object[key]?.doubleValue ?? 0) : 0 }
        self.init(l1: factor("l1"), l2: factor("l2"))
    }

    /// The loss term for one weight.
    public func penalty(_ weight: Tensor) -> Float {
        var absolute: Float = 0, square: Float = 0
        for x in UnsafeBufferPointer(start: weight.pointer, count: weight.count) {
            absolute += abs(x)
            square += x * x
        }
        return penalty(absolute: absolute, square: square)
    }

    /// `gradient += d penalty / d weight`, in the same pass over the weight as its loss term, which it returns
    /// (summed in the same order as `penalty`, so the two agree to the bit).
    public func addGradient(of weight: Tensor, to gradient: Tensor) throws -> Float {
        guard gradient.shape == weight.shape else {
            throw TensorError.shapeMismatch(operation: "regularizer", detail: "gradient \(gradient.shape) for weight \(weight.shape)")
        }
        let w = weight.pointer, g = gradient.pointer
        var absolute: Float = 0, square: Float = 0
        for i in 0..<weight.count {
            absolute += abs(w[i])
            square += w[i] * w[i]
            let sign: Float = w[i] > 0 ? 1 : w[i] < 0 ? -1 : 0
            g[i] += l1 * sign + 2 * l2 * w[i]
        }
        return penalty(absolute: absolute, square: square)
    }

    private func penalty(absolute: Float, square: Float) -> Float {
        (l1 != 0 ? l1 * absolute : 0) + (l2 != 0 ? l2 * square : 0)
    }
}

/// Every regulariser a graph's layers declare (`kernel_regularizer`, `bias_regularizer`, `gamma_regularizer`,
/// `beta_regularizer`), by parameter name (`<layer>/<weight>`). Keras adds them to the loss only for trainable
/// weights (`Layer.losses` collects the regularisers of `trainable_weights`), and so does `penalty` here.
public struct Regularization {
    public let regularizers: [String: Regularizer]

    public init(graph: ModelGraph) throws {
        var found: [String: Regularizer] = [:]
        for layer in graph.layers {
            for weight in layer.weights {
                guard let attribute = layer.attributes["\(weight.name)_regularizer"] else { continue }
                found[layer.tensorName(of: weight)] = try Regularizer(attribute)
            }
        }
        regularizers = found
    }

    /// The sum of every trainable parameter's penalty: what Keras adds to the batch's loss.
    public func penalty(_ store: ParameterStore) -> Float {
        store.trainableParameters.reduce(0) { sum, parameter in
            sum + (regularizers[parameter.name]?.penalty(parameter.value) ?? 0)
        }
    }

    /// Adds each regularised trainable parameter's penalty gradient to its entry in `gradients` (which must exist);
    /// returns the penalty, `penalty(store)` from the same pass over the weights.
    public func addGradients(_ store: ParameterStore, to gradients: [String: Tensor]) throws -> Float {
        var penalty: Float = 0
        for parameter in store.trainableParameters {
            guard let regularizer = regularizers[parameter.name] else { continue }
            guard let gradient = gradients[parameter.name] else {
                throw OptimizerError("regularised parameter '\(parameter.name)' has no gradient")
            }
            penalty += try regularizer.addGradient(of: parameter.value, to: gradient)
        }
        return penalty
    }
}

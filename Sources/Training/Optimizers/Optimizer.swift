import Tensor
import Zoo

/// An optimizer as Keras writes one (`keras/src/optimizers/base_optimizer.py`): per trainable parameter a few
/// slot tensors of its shape (Adam's momentum and velocity), built zero on the first step, then one elementwise
/// update per parameter and step. The shared part here validates the gradients, keeps the slots and the step
/// counter, and saves and restores them; each optimizer only names its slots and writes `update`.
public protocol Optimizer: AnyObject {
    /// The slots each trainable parameter gets, in Keras' names (`momentum`, `velocity`, ...).
    var slotNames: [String] { get }
    /// Step counter, learning rate and slots. Read it through `state()`, set it through `restore(_:for:)`.
    var current: OptimizerState { get set }
    /// One step for one parameter: `slots` in `slotNames` order; `step` is Keras' `iterations + 1`.
    func update(_ parameter: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
                slots: [UnsafeMutableBufferPointer<Float>], learningRate: Float, step: Int)
}

/// What an optimizer carries from step to step. Restoring it continues training bit for bit.
public struct OptimizerState {
    /// Keras' `iterations`: steps applied so far.
    public var iterations: Int
    /// Keras' `learning_rate`, float32 as Keras keeps it.
    public var learningRate: Float
    /// `<layer>/<weight>/<slot>`, e.g. `dense/kernel/momentum`.
    public var slots: [String: Tensor]

    public init(iterations: Int = 0, learningRate: Float, slots: [String: Tensor] = [:]) {
        self.iterations = iterations
        self.learningRate = learningRate
        self.slots = slots
    }
}

public struct OptimizerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Optimizer {
    /// Callbacks (ReduceLROnPlateau) change it between steps, as they assign Keras' `optimizer.learning_rate`.
    public var learningRate: Float {
        get { current.learningRate }
        set { current.learningRate = newValue }
    }

    public var iterations: Int { current.iterations }

    /// One step: updates `store`'s trainable parameters in place from `gradients` (by parameter name) and counts
    /// the step. A gradient for an unknown or frozen parameter, or of another shape, is refused before anything
    /// changes. A trainable parameter without a gradient is left alone, value and slots (Keras skips a `None`
    /// gradient the same way); the step still counts. Rebuild the model's kernels afterwards
    /// (`Model.reloadWeights(from:)`).
    public func apply(_ gradients: [String: Tensor], to store: ParameterStore) throws {
        for (name, gradient) in gradients.sorted(by: { $0.key < $1.key }) {
            guard let parameter = store[name] else {
                throw OptimizerError("gradient for '\(name)': the model has no such parameter")
            }
            guard parameter.trainable else {
                throw OptimizerError("gradient for '\(name)': the parameter is frozen (not trainable)")
            }
            guard gradient.shape == parameter.value.shape else {
                throw OptimizerError("gradient for '\(name)' is \(gradient.shape), the parameter is \(parameter.value.shape)")
            }
        }
        let step = current.iterations + 1
        for parameter in store.trainableParameters {
            let slots = try slotTensors(of: parameter)
            guard let gradient = gradients[parameter.name] else { continue }
            let count = parameter.value.count
            withExtendedLifetime((parameter.value, gradient, slots)) {
                update(UnsafeMutableBufferPointer(start: parameter.value.pointer, count: count),
                       gradient: UnsafeBufferPointer(start: gradient.pointer, count: count),
                       slots: slots.map { UnsafeMutableBufferPointer(start: $0.pointer, count: count) },
                       learningRate: current.learningRate, step: step)
            }
        }
        current.iterations = step
    }

    /// A copy of the state: later steps do not change it.
    public func state() throws -> OptimizerState {
        var copy = current
        copy.slots = try current.slots.mapValues { try $0.copied() }
        return copy
    }

    /// Continues from `state` (copied), which must belong to this optimizer and `store`: every slot named
    /// `<trainable parameter>/<slot of this optimizer>` with the parameter's shape, each parameter with all of
    /// its slots or none (none: not stepped yet).
    public func restore(_ state: OptimizerState, for store: ParameterStore) throws {
        guard state.iterations >= 0 else { throw OptimizerError("optimizer state: iterations \(state.iterations) < 0") }
        var slotsPerParameter: [String: Int] = [:]
        for (key, slot) in state.slots {
            guard let cut = key.lastIndex(of: "/"), slotNames.contains(String(key[key.index(after: cut)...])) else {
                throw OptimizerError("optimizer state: '\(key)' is not a slot of this optimizer (\(slotNames.joined(separator: ", ")))")
            }
            let name = String(key[..<cut])
            guard let parameter = store[name], parameter.trainable else {
                throw OptimizerError("optimizer state: '\(key)' belongs to no trainable parameter")
            }
            guard slot.shape == parameter.value.shape else {
                throw OptimizerError("optimizer state: '\(key)' is \(slot.shape), the parameter is \(parameter.value.shape)")
            }
            slotsPerParameter[name, default: 0] += 1
        }
        if let partial = slotsPerParameter.first(where: { $0.value != slotNames.count }) {
            throw OptimizerError("optimizer state: '\(partial.key)' has \(partial.value) of its \(slotNames.count) slots")
        }
        current = OptimizerState(iterations: state.iterations, learningRate: state.learningRate,
                                 slots: try state.slots.mapValues { try $0.copied() })
    }

    /// `parameter`'s slots in `slotNames` order, built zero the first time (Keras' `build`).
    private func slotTensors(of parameter: ParameterStore.Parameter) throws -> [Tensor] {
        try slotNames.map { slot in
            let key = "\(parameter.name)/\(slot)"
            if let existing = current.slots[key] { return existing }
            let zeros = try Tensor(shape: parameter.value.shape)
            current.slots[key] = zeros
            return zeros
        }
    }
}

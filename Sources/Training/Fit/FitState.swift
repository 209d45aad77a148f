import Tensor
import Zoo

/// Everything a fit carries from one epoch to the next, taken after an epoch's callbacks: a fresh `Fit` over the
/// same model, optimizer and callbacks, given this, continues bit for bit as the uninterrupted run would have.
///
/// The random streams are covered as follows: dropout by the masks the model has drawn (`model`); the training
/// stream's shuffle order, position and augmentation by `trainingBatchesTaken` (Zoo's streams derive each batch
/// from the seed, the pass and the position alone); the learning rate is part of the optimizer's state.
public struct FitState {
    /// Each completed epoch's logs as the callbacks left them (Keras' `History` so far).
    public var history: [[String: Double]]
    /// Training batches the loop has taken from its stream, over every epoch.
    public var trainingBatchesTaken: Int
    /// Whether a callback stopped training (EarlyStopping): a resumed run goes straight to train end.
    public var stopped: Bool
    /// Every weight of the layers that train, their moving statistics included, by parameter name.
    public var weights: [String: Tensor]
    public var model: TrainingModelState
    /// Iterations, learning rate, slots.
    public var optimizer: OptimizerState
    /// The stateful callbacks' states, by `Fit.callbackKey` (position and type in the callback list).
    public var callbacks: [String: CallbackState]

    public init(history: [[String: Double]], trainingBatchesTaken: Int, stopped: Bool, weights: [String: Tensor],
                model: TrainingModelState, optimizer: OptimizerState, callbacks: [String: CallbackState]) {
        self.history = history
        self.trainingBatchesTaken = trainingBatchesTaken
        self.stopped = stopped
        self.weights = weights
        self.model = model
        self.optimizer = optimizer
        self.callbacks = callbacks
    }

    public var epochsDone: Int { history.count }
}

extension Fit {
    /// How a callback's state is filed: its position in the list and its type (`1:ReduceLROnPlateau`), so a state
    /// saved with another callback list is refused rather than handed to the wrong callback.
    static func callbackKey(_ index: Int, _ callback: any Callback) -> String {
        "\(index):\(type(of: callback))"
    }

    /// The state after `history.count` epochs: copies, which later steps do not change.
    func state(history: [[String: Double]], trainingBatchesTaken: Int) throws -> FitState {
        var states: [String: CallbackState] = [:]
        for (index, callback) in callbacks.enumerated() {
            if let stateful = callback as? any StatefulCallback { states[Self.callbackKey(index, callback)] = try stateful.state() }
        }
        return FitState(history: history, trainingBatchesTaken: trainingBatchesTaken, stopped: control.stopTraining,
                        weights: try control.snapshotWeights(), model: model.state, optimizer: try optimizer.state(),
                        callbacks: states)
    }

    /// Puts `saved` back into the model, the optimizer and the callbacks, after checking that it belongs to this
    /// fit: the same weights that train, the same stateful callbacks, no more epochs or batches than `settings` run.
    func restore(_ saved: FitState, settings: Settings) throws {
        guard saved.epochsDone <= settings.epochs, saved.trainingBatchesTaken <= saved.epochsDone * settings.stepsPerEpoch else {
            throw FitError("the saved state has \(saved.epochsDone) epochs and \(saved.trainingBatchesTaken) batches done; this fit runs \(settings.epochs) epochs of \(settings.stepsPerEpoch) steps")
        }
        let changing = model.changingParameters
        let names = Set(changing.map(\.name))
        guard Set(saved.weights.keys) == names else {
            let missing = names.subtracting(saved.weights.keys).sorted(), extra = Set(saved.weights.keys).subtracting(names).sorted()
            throw FitError("the saved weights do not fit the layers that train: \(missing.isEmpty ? "" : "missing \(missing.prefix(5)) ")\(extra.isEmpty ? "" : "unknown \(extra.prefix(5))")")
        }
        for parameter in changing where saved.weights[parameter.name]!.shape != parameter.value.shape {
            throw FitError("the saved '\(parameter.name)' is \(saved.weights[parameter.name]!.shape), the model's \(parameter.value.shape)")
        }
        var expected: [String: any StatefulCallback] = [:]
        for (index, callback) in callbacks.enumerated() {
            if let stateful = callback as? any StatefulCallback { expected[Self.callbackKey(index, callback)] = stateful }
        }
        guard Set(saved.callbacks.keys) == Set(expected.keys) else {
            throw FitError("the saved callback states \(saved.callbacks.keys.sorted()) are not this fit's \(expected.keys.sorted())")
        }
        try control.restoreWeights(saved.weights)
        try model.restore(saved.model)
        try optimizer.restore(saved.optimizer, for: model.parameters)
        for (key, callback) in expected { try callback.restore(saved.callbacks[key]!) }
    }
}

extension TrainingModel {
    /// The parameters training changes: every weight of the layers that train (moving statistics included).
    var changingParameters: [ParameterStore.Parameter] {
        let training = parameters.layersThatTrain(in: graph)
        return parameters.parameters.filter { training.contains($0.layer) }
    }
}

import Converter
import Tensor

/// Keras 2.2's zero-debiased moving average of one BatchNormalization layer (docs/keras-numerics.md §9.1): the
/// biased accumulators and the step that divides them out. Keras 2.2 keeps them as variables of the model.
public struct ZeroDebiasAccumulator: Sendable, Equatable {
    public var mean: [Float]
    public var variance: [Float]
    public var step: Int

    public init(mean: [Float], variance: [Float], step: Int) {
        self.mean = mean
        self.variance = variance
        self.step = step
    }
}

/// What a training model carries from one step to the next besides its parameters: how far its dropout stream
/// has gone, and Keras 2.2's zero-debias accumulators. Restored together with the parameters, training continues
/// bit for bit (a resumed run, `Fit.run(resumingFrom:)`).
public struct TrainingModelState: Sendable, Equatable {
    /// Dropout masks drawn so far: each took the next seed of the stream `dropoutSeed` starts.
    public var dropoutMasksDrawn: Int
    /// By BatchNormalization layer; empty unless frozen BatchNormalization follows Keras 2.2.
    public var zeroDebias: [String: ZeroDebiasAccumulator]

    public init(dropoutMasksDrawn: Int = 0, zeroDebias: [String: ZeroDebiasAccumulator] = [:]) {
        self.dropoutMasksDrawn = dropoutMasksDrawn
        self.zeroDebias = zeroDebias
    }
}

extension TrainingModel {
    /// A copy of the state: later steps do not change it.
    public var state: TrainingModelState {
        TrainingModelState(dropoutMasksDrawn: dropoutMasksDrawn, zeroDebias: debiasing)
    }

    /// Continues from `state`, which must fit this model: masks drawn only with dropout on, accumulators only for
    /// its BatchNormalization layers, one value per channel. The dropout stream is replayed from its seed to where
    /// the state left it (one draw per mask: cheap next to a training step).
    public func restore(_ state: TrainingModelState) throws {
        guard state.dropoutMasksDrawn >= 0, state.dropoutMasksDrawn == 0 || dropoutSeed != nil else {
            throw ModelError("training state: \(state.dropoutMasksDrawn) dropout masks drawn, but this model's dropout is \(dropoutSeed == nil ? "off" : "on")")
        }
        for (name, accumulator) in state.zeroDebias {
            guard let layer = graph.layers.first(where: { $0.name == name }), layer.op == .batchNorm,
                  let mean = parameters["\(name)/moving_mean"]?.value else {
                throw ModelError("training state: zero-debias accumulators for '\(name)', which is no BatchNormalization layer of \(graph.name)")
            }
            guard accumulator.mean.count == mean.count, accumulator.variance.count == mean.count, accumulator.step >= 0 else {
                throw ModelError("training state: the zero-debias accumulators of '\(name)' have \(accumulator.mean.count) and \(accumulator.variance.count) channels (step \(accumulator.step)), the layer \(mean.count)")
            }
        }
        dropoutSeeds = dropoutSeed.map(SplitMix64.init)
        for _ in 0..<state.dropoutMasksDrawn { _ = dropoutSeeds?.next() }
        dropoutMasksDrawn = state.dropoutMasksDrawn
        debiasing = state.zeroDebias
    }
}

import Foundation
import Tensor
import Testing
import TestSupport
import Training
import Zoo

/// Saving and restoring an optimizer, and what `apply` refuses or leaves alone.
@Suite struct OptimizerStateTests {
    /// One optimizer with momentum-like slots of each kind, built fresh for each run.
    static let optimizers: [String: @Sendable () -> any Optimizer] = [
        "adam": { Adam(learningRate: 1e-3) },
        "adam_amsgrad": { Adam(learningRate: 1e-3, amsgrad: true) },
        "sgd_nesterov": { SGD(learningRate: 0.01, momentum: 0.9, nesterov: true) },
        "rmsprop_centered_momentum": { RMSprop(learningRate: 1e-3, momentum: 0.5, centered: true) },
    ]

    /// Six steps of the reference's gradients (the sixth reuses the first), the learning rate lowered after step 3.
    static func step(_ optimizer: any Optimizer, _ step: Int, _ store: ParameterStore, _ reference: KerasOptimizerReference) throws {
        optimizer.learningRate = step <= 3 ? 1e-3 : 2e-4
        try optimizer.apply(reference.gradients(step: (step - 1) % reference.listing.steps + 1), to: store)
    }

    static func values(_ store: ParameterStore) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: store.parameters.map { ($0.name, $0.value.toArray()) })
    }

    /// 3 steps, save, 3 more steps in a fresh optimizer restored from the saved state == 6 uninterrupted steps,
    /// bit for bit, parameters and slots. The saved state is a copy: the original's later steps do not change it.
    @Test(arguments: ["adam", "adam_amsgrad", "sgd_nesterov", "rmsprop_centered_momentum"])
    func restoredStateContinuesBitForBit(name: String) throws {
        let reference = try KerasOptimizerReference.shared.get()
        let make = try #require(Self.optimizers[name])
        let uninterrupted = make(), straight = try reference.store()
        for index in 1...6 { try Self.step(uninterrupted, index, straight, reference) }

        let first = make(), store = try reference.store()
        for index in 1...3 { try Self.step(first, index, store, reference) }
        let saved = try first.state()
        let savedValues = Self.values(store)
        for index in 4...6 { try Self.step(first, index, store, reference) }

        let resumedStore = try reference.store()
        for parameter in resumedStore.parameters {
            try parameter.value.copy(from: Tensor(shape: parameter.value.shape, values: #require(savedValues[parameter.name])))
        }
        let resumed = make()
        try resumed.restore(saved, for: resumedStore)
        #expect(resumed.iterations == 3 && resumed.learningRate == 1e-3)
        for index in 4...6 { try Self.step(resumed, index, resumedStore, reference) }

        #expect(Self.values(resumedStore) == Self.values(straight))
        #expect(Self.values(store) == Self.values(straight))
        let expected = try uninterrupted.state(), actual = try resumed.state()
        #expect(actual.iterations == 6 && expected.iterations == 6)
        #expect(Set(actual.slots.keys) == Set(expected.slots.keys))
        #expect(actual.slots.count == make().slotNames.count * 3)
        for (key, slot) in expected.slots { #expect(actual.slots[key]?.toArray() == slot.toArray(), "\(key)") }
    }

    /// A state that does not fit: another optimizer's slots, a slot of the wrong shape, a frozen parameter's, or a
    /// parameter with only some of its slots. Each is refused with the slot named, and the optimizer is unchanged.
    @Test func mismatchedStateIsRefused() throws {
        let reference = try KerasOptimizerReference.shared.get()
        let store = try reference.store()
        let adam = Adam()
        try adam.apply(reference.gradients(step: 1), to: store)
        let saved = try adam.state()

        func refused(_ state: OptimizerState, into optimizer: any Optimizer, naming part: String) {
            let error = #expect(throws: OptimizerError.self) { try optimizer.restore(state, for: store) }
            #expect(error?.description.contains(part) == true, "\(error?.description ?? "no error")")
        }
        refused(saved, into: SGD(momentum: 0.9), naming: "velocity")
        var wrongShape = saved
        wrongShape.slots["dense/kernel/velocity"] = try Tensor(shape: [5, 8])
        refused(wrongShape, into: Adam(), naming: "dense/kernel/velocity")
        var frozen = saved
        frozen.slots["frozen/kernel/momentum"] = try Tensor(shape: [2, 2])
        refused(frozen, into: Adam(), naming: "frozen/kernel/momentum")
        var partial = saved
        partial.slots["conv/bias/velocity"] = nil
        refused(partial, into: Adam(), naming: "conv/bias")

        let fresh = Adam()
        refused(partial, into: fresh, naming: "conv/bias")
        #expect(fresh.iterations == 0)
        #expect(try fresh.state().slots.isEmpty)
    }

    /// Gradients naming an unknown or frozen parameter, or of another shape, are refused with the parameter named,
    /// before anything changes. A trainable parameter without a gradient is left alone (Keras skips a `None`
    /// gradient), while the others step and the step counts.
    @Test func applyRefusesBadGradientsAndSkipsMissingOnes() throws {
        let reference = try KerasOptimizerReference.shared.get()
        let store = try reference.store()
        let adam = Adam()
        let gradients = try reference.gradients(step: 1)
        let before = Self.values(store)

        func refused(_ change: (inout [String: Tensor]) throws -> Void, naming name: String) throws {
            var bad = gradients
            try change(&bad)
            let error = #expect(throws: OptimizerError.self) { try adam.apply(bad, to: store) }
            #expect(error?.description.contains("'\(name)'") == true, "\(error?.description ?? "no error")")
            #expect(Self.values(store) == before && adam.iterations == 0, "a refused step must change nothing")
        }
        try refused({ $0["dense/bias"] = try Tensor(shape: [5]) }, naming: "dense/bias")
        try refused({ $0["frozen/kernel"] = try Tensor(shape: [2, 2]) }, naming: "frozen/kernel")
        try refused({ $0["dense/kernel"] = try Tensor(shape: [5, 8]) }, naming: "dense/kernel")

        var partial = gradients
        partial["conv/bias"] = nil
        try adam.apply(partial, to: store)
        let after = Self.values(store)
        #expect(adam.iterations == 1)
        #expect(after["conv/bias"] == before["conv/bias"])
        #expect(after["conv/kernel"] != before["conv/kernel"] && after["dense/kernel"] != before["dense/kernel"])
        #expect(try adam.state().slots["conv/bias/momentum"]?.toArray() == [0, 0, 0, 0])
    }
}

import Foundation
import Tensor
import Testing
import TestSupport
import Training
import Zoo

/// Zoo's optimizers against Keras itself: the same initial values and gradients, the parameters compared after
/// every one of five steps, with the learning rate changed after step 3 as a callback would.
@Suite struct OptimizerKerasTests {
    /// Elements compared per step: the 3x3x2x4 kernel, its bias of 4, the 8x5 dense kernel.
    static let elementsPerStep = 72 + 4 + 40

    /// Keras 3 (TensorFlow backend) for all seven configurations, and tf-keras (the Keras 2 API) for Adam and SGD
    /// with momentum: bit for bit (measured: max |Δ| = 0 at every step), so exactness is asserted.
    @Test(arguments: ["adam", "adam_lr_change", "sgd", "sgd_momentum", "sgd_nesterov", "rmsprop",
                      "rmsprop_centered_momentum", "tf_keras_adam_lr_change", "tf_keras_sgd_momentum"])
    func matchesKerasStepForStep(configuration: String) throws {
        let reference = try KerasOptimizerReference.shared.get()
        let config = try reference.config(configuration)
        let store = try reference.store()
        let optimizer = try KerasOptimizerReference.optimizer(config)
        let frozen = try #require(store["frozen/kernel"]).value.toArray()
        #expect(reference.listing.steps == 5 && config.learning_rates.count == 5)
        for step in 1...reference.listing.steps {
            optimizer.learningRate = Float(config.learning_rates[step - 1])
            try optimizer.apply(reference.gradients(step: step), to: store)
            var error = StepError()
            for variable in reference.listing.variables {
                let actual = try #require(store[variable.name]).value.toArray()
                error.add(actual, try reference.tensor("\(configuration)/\(step)", variable))
            }
            #expect(error.count == Self.elementsPerStep, "\(configuration) step \(step): elements compared")
            #expect(error.maxDelta == 0, "\(configuration) step \(step): max |Δ| \(error.maxDelta), normalised \(error.normalised)")
        }
        #expect(optimizer.iterations == 5)
        #expect(try #require(store["frozen/kernel"]).value.toArray() == frozen, "a frozen parameter must not move")
    }

    /// The test can tell Adam's forms apart: PyTorch's Adam (epsilon added to the bias-corrected `sqrt(v̂)`),
    /// computed here, misses Keras' steps on the same sequence by more than 100 times a float32 tolerance of 1e-6
    /// (measured 4.4e-4 to 1.2e-3 normalised; the bias's gradients are near epsilon), while Zoo's Adam matches
    /// them exactly (above).
    @Test func pytorchsAdamFormIsCaught() throws {
        let reference = try KerasOptimizerReference.shared.get()
        let config = try reference.config("adam")
        let (beta1, beta2, epsilon) = (Float(0.9), Float(0.999), Float(1e-7))
        var values = try reference.listing.variables.map { try reference.tensor("initial", $0).toArray() }
        var m = values.map { [Float](repeating: 0, count: $0.count) }, v = m
        for step in 1...reference.listing.steps {
            let rate = Float(config.learning_rates[step - 1])
            let gradients = try reference.gradients(step: step)
            var error = StepError()
            for (index, variable) in reference.listing.variables.enumerated() {
                let g = try #require(gradients[variable.name]).toArray()
                let correction1 = 1 - pow(beta1, Float(step)), correction2 = 1 - pow(beta2, Float(step))
                for i in g.indices {
                    m[index][i] = beta1 * m[index][i] + (1 - beta1) * g[i]
                    v[index][i] = beta2 * v[index][i] + (1 - beta2) * g[i] * g[i]
                    let mHat: Float = m[index][i] / correction1, vHat: Float = v[index][i] / correction2
                    values[index][i] -= rate * mHat / (vHat.squareRoot() + epsilon)
                }
                error.add(values[index], try reference.tensor("adam/\(step)", variable))
            }
            #expect(error.count == Self.elementsPerStep)
            #expect(error.normalised > 1e-4, "step \(step): PyTorch's form is within \(error.normalised) of Keras'")
        }
    }
}

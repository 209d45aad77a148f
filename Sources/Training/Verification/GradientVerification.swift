import Converter
import Tensor
import Zoo

extension GoldenGradientCase {
    /// Runs `graph` with `weights` through the case's training step up to the gradients, as gradients.py did in
    /// TensorFlow: the case's layers trainable and the rest frozen, its BatchNormalization semantics, dropout
    /// off, one forward pass in training mode on its batch, its loss (and regularisers), the backward pass;
    /// then compares every trainable weight's gradient and the input gradient with TensorFlow's.
    /// `fault` makes the backward pass deliberately wrong (the tests of `zoo verify --gradients`).
    public func verify(graph: ModelGraph, weights: some WeightSource, tolerance: Double,
                       fault: BackwardFault? = nil) throws -> GradientParityCheck {
        let store = try ParameterStore(graph: graph, weights: weights)
        let layers = Set(graph.layers.map(\.name))
        for name in configuration.trainable where !layers.contains(name) {
            throw ModelError("\(file.path): trainable layer '\(name)' is not in the model (was the golden case made from another model?)")
        }
        store.setTrainableLayers(configuration.trainable)
        let model = try TrainingModel(graph: graph, parameters: store, frozenBatchNorm: configuration.frozenBatchNorm, dropoutSeed: nil,
                                      inputGradients: true, backwardFault: fault)
        let gradients = try gradients(of: model, regularization: regularization(of: graph)).gradients
        var reference: [String: Tensor] = [:]
        for parameter in store.trainableParameters { reference[parameter.name] = try tensor("gradient/\(parameter.name)") }
        return try GradientParityCheck.compare(graph: graph, parameters: store, gradients: gradients, reference: reference,
                                               inputReferences: [tensor("input_gradient")], noise: Set(configuration.zeroGradients),
                                               tolerance: tolerance)
    }
}

import Converter
import Foundation
import Tensor
import Testing
import TestSupport
import Training
import Zoo

/// The fit loop on a model of two inputs, an image and a metadata vector side by side (as skin-lesion classifiers with
/// clinical metadata take them), against Keras 3's own `fit` over the same arrays (training/multi_input_fit.py): a
/// convolution on the image and an L2-regularised Dense layer on the metadata, concatenated under a softmax head,
/// three epochs of Adam in batches of 4, 4 and 2, with validation. Compared as FitKerasTests compares: every epoch's
/// logs and every weight at the end.
@Test func fitsAModelOfAnImageAndMetadataAsKerasDoes() throws {
    let directory = try Converting.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try TestEnvironment.generateReference("training/multi_input_fit.py", into: directory)
    struct Listing: Decodable {
        let history: [String: [Double]]
        let batch_size: Int
        let epochs: Int
        let learning_rate: Double
        let inputs: [String]
    }
    let listing = try JSONDecoder().decode(Listing.self, from: Data(contentsOf: directory.appendingPathComponent("fit.json")))
    let reference = try SafetensorsFile(path: directory.appendingPathComponent("fit.safetensors").path)
    func tensor(_ key: String) throws -> Tensor {
        let info = try #require(reference.tensor(named: key), "no '\(key)' in the reference")
        return try Tensor(shape: info.shape, values: reference.floats(of: info))
    }
    let converted = directory.appendingPathComponent("initial.safetensors").path
    let conversion = try Converting.convert(directory.appendingPathComponent("initial.keras").path, arch: nil, to: converted)
    try #require(conversion.status == 0, "\(conversion.stderr)")
    let model = try SafetensorsFile(path: converted)
    let graph = try Model.graph(in: model)
    try #require(graph.inputs == listing.inputs, "the graph's inputs, in Keras' order: \(graph.inputs)")

    /// A split's arrays cut into batches of `batch_size` samples in order, the last one short, as Keras cuts arrays.
    func batches(_ split: String) throws -> [TrainingBatch] {
        let arrays = try ["images", "metadata", "labels"].map { try tensor("\(split)/\($0)") }
        let count = arrays[0].shape[0]
        return try stride(from: 0, to: count, by: listing.batch_size).map { first in
            let rows = first..<min(first + listing.batch_size, count)
            let cut = try arrays.map { array in
                let sample = array.count / count
                return try Tensor(shape: [rows.count] + array.shape.dropFirst(), values: Array(array.toArray()[rows.lowerBound * sample..<rows.upperBound * sample]))
            }
            return TrainingBatch(inputs: [cut[0], cut[1]], target: .dense(cut[2]))
        }
    }
    let training = try batches("train"), validation = try batches("validation")
    let trainingModel = try TrainingModel(graph: graph, parameters: try ParameterStore(graph: graph, weights: model))
    let fit = try Fit(model: trainingModel, optimizer: Adam(learningRate: Float(listing.learning_rate)), callbacks: [])
    let history = try fit.run(training: FitKerasTests.Cycle(batches: training), validation: { FitKerasTests.Cycle(batches: validation) },
                              settings: .init(epochs: listing.epochs, stepsPerEpoch: training.count, validationSteps: validation.count))

    var expected = listing.history
    expected["learning_rate"] = expected["learning_rate"] ?? Array(repeating: Double(Float(listing.learning_rate)), count: history.count)
    #expect(history.count == listing.epochs)
    #expect(Set(history.first?.keys ?? [:].keys) == Set(expected.keys), "the logs Keras writes")
    FitKerasTests.compareHistory(history, with: expected, run: "two inputs")
    let names = trainingModel.parameters.parameters.map(\.name)
    #expect(Set(names) == Set(reference.tensors.map(\.name).filter { $0.hasPrefix("final/") }.map { String($0.dropFirst(6)) }),
            "every weight Keras has, and no other")
    var worst = 0.0
    for parameter in trainingModel.parameters.parameters {
        let error = GradientParityTests.error(parameter.value.toArray(), try tensor("final/\(parameter.name)").toArray())
        #expect(error <= FitKerasTests.weightTolerance, "\(parameter.name) after fit: normalised error \(error)")
        worst = max(worst, Double(error))
    }
    print("two-input fit against Keras: \(names.count) weights, the worst normalised error \(worst)")
}

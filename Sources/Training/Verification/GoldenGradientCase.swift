import Converter
import Foundation
import Tensor
import Zoo

/// One golden gradient case written by Tests/GoldenOutputs/training/gradients.py (scripts/golden-gradients.sh):
/// TensorFlow's gradients (`GradientTape`) of a Keras model's training loss for one seeded batch. The tensors
/// are `input`, `labels` (or `output_gradient` for the "dot" loss), `gradient/<layer>/<weight>` for every
/// trainable weight and `input_gradient`; the file's `case` metadata is the configuration (the JSON that
/// case.json beside it also holds): loss, class weights, BatchNormalization semantics, trainable layers.
///
/// It lives in Training, not beside the forward golden files in Zoo, because turning its labels into
/// dL/d(output) takes the case's loss (and its class weights and regularisers) and the training step, which are
/// Training's: only the "dot" cases carry dL/d(output) itself.
public struct GoldenGradientCase {
    /// The parts of case.json the check reads.
    public struct Configuration: Decodable, Sendable {
        public let model: String
        /// `categorical_crossentropy`, `sparse_categorical_crossentropy`, `binary_crossentropy`, or `dot`
        /// (the sum of output times `output_gradient`, whose gradient is `output_gradient`).
        public let loss: String
        public let classWeight: [String: Double]?
        public let frozenBatchNorm: FrozenBatchNorm
        /// The layers that train; every other layer with weights is frozen.
        public let trainable: [String]
        /// Parameters whose reference gradient is float32 noise (gradients.py, `ZERO_GRADIENT`).
        public let zeroGradients: [String]
        /// Whether the loss includes the model's weight regularisers.
        public let regularized: Bool

        enum CodingKeys: String, CodingKey {
            case model, loss, trainable, regularized
            case classWeight = "class_weight", frozenBatchNorm = "frozen_bn", zeroGradients = "zero_gradients"
        }
    }

    public let file: SafetensorsFile
    /// The case's name: the directory the file is in (gradients.py writes `<case>/reference.safetensors`).
    public let name: String
    public let configuration: Configuration

    /// `path` is a case's reference.safetensors or the case directory holding it.
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        let reference = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? (path as NSString).appendingPathComponent("reference.safetensors") : path
        file = try SafetensorsFile(path: reference)
        name = ((reference as NSString).deletingLastPathComponent as NSString).lastPathComponent
        guard let json = file.metadata["case"] else {
            throw ModelError("\(reference): no 'case' in the metadata; not a golden gradients file "
                             + "(Tests/GoldenOutputs/training/gradients.py writes them)")
        }
        do {
            configuration = try JSONDecoder().decode(Configuration.self, from: Data(json.utf8))
        } catch {
            throw ModelError("\(reference): the 'case' metadata is not a gradient case: \(error)")
        }
    }

    /// The named tensor, nil when the file has none.
    public func tensor(_ name: String) throws -> Tensor? { try file.tensorIfPresent(named: name) }

    /// The named tensor, which the file must have.
    public func required(_ name: String) throws -> Tensor {
        guard let tensor = try tensor(name) else { throw ModelError("\(file.path): no tensor '\(name)'") }
        return tensor
    }

    /// The regularisers of `graph` when the case's loss includes them, nil when it does not: built once for
    /// every step taken on the case.
    public func regularization(of graph: ModelGraph) throws -> Regularization? {
        configuration.regularized ? try Regularization(graph: graph) : nil
    }

    /// One training step of `model` (built with the case's trainable layers and semantics) up to the gradients, on
    /// one of the case's batches, with its loss and, where the case has them, its regularisers: the step the fit loop
    /// takes (`TrainingModel.lossAndGradients`). For the gradient batch (`input`, `labels`, nil) these are the
    /// gradients TensorFlow's tape took; `batch` k reads `batch/<k>/input` and `batch/<k>/labels`, the k-th step's.
    /// `regularization`: `regularization(of: model.graph)`.
    public func gradients(of model: TrainingModel, batch: Int? = nil, regularization: Regularization?) throws -> StepResult {
        let prefix = batch.map { "batch/\($0)/" } ?? ""
        return try model.lossAndGradients(required(prefix + "input"), objective: objective(labels: prefix + "labels"),
                                          regularization: regularization)
    }

    /// What the case differentiates: its loss against the tensor `labels` (with its class weights), or the fixed
    /// dL/d(output) of a "dot" case.
    private func objective(labels key: String) throws -> StepObjective {
        switch configuration.loss {
        case "categorical_crossentropy", "sparse_categorical_crossentropy":
            let labels = try required(key)
            let target: LossTarget = configuration.loss == "categorical_crossentropy" ? .dense(labels) : .sparse(labels.toArray().map { Int($0) })
            let weights = try configuration.classWeight.map { classWeight in
                var byClass: [Int: Float] = [:]
                for (name, weight) in classWeight {
                    guard let label = Int(name) else { throw ModelError("\(file.path): class_weight key '\(name)' is not a class index") }
                    byClass[label] = Float(weight)
                }
                return ClassWeights.sampleWeights(target, classWeight: byClass)
            }
            return .categoricalCrossentropy(target, sampleWeights: weights)
        case "binary_crossentropy":
            return .loss(BinaryCrossentropy(), .dense(try required(key)), sampleWeights: nil)
        case "dot":
            return .outputGradient(try required("output_gradient"))
        default:
            throw ModelError("\(file.path): loss '\(configuration.loss)' is not one Zoo computes")
        }
    }
}

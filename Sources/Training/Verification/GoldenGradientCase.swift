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
/// dL/d(output) takes the case's loss (and its class weights and regularisers), which are Training's: only
/// the "dot" cases carry dL/d(output) itself.
public struct GoldenGradientCase {
    /// The parts of case.json the check reads.
    public struct Configuration: Decodable, Sendable {
        public let model: String
        /// `categorical_crossentropy`, `sparse_categorical_crossentropy`, `binary_crossentropy`, or `dot`
        /// (the sum of output times `output_gradient`, whose gradient is `output_gradient`).
        public let loss: String
        public let classWeight: [String: Double]?
        public let frozenBatchNorm: String
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
        guard FrozenBatchNorm(rawValue: configuration.frozenBatchNorm) != nil else {
            throw ModelError("\(reference): unknown BatchNormalization semantics '\(configuration.frozenBatchNorm)'")
        }
    }

    public var frozenBatchNorm: FrozenBatchNorm { FrozenBatchNorm(rawValue: configuration.frozenBatchNorm)! }

    /// The named tensor, nil when the file has none.
    public func tensor(_ name: String) throws -> Tensor? {
        guard let info = file.tensor(named: name) else { return nil }
        return try file.tensor(named: name, shape: info.shape)
    }

    /// The named tensor, which the file must have.
    public func required(_ name: String) throws -> Tensor {
        guard let tensor = try tensor(name) else { throw ModelError("\(file.path): no tensor '\(name)'") }
        return tensor
    }

    /// One training forward and backward pass of `model` (built with the case's trainable layers and semantics)
    /// on one of the case's batches, with its loss and, where the case has them, its regularisers: for the gradient
    /// batch (`input`, `labels`) the gradients TensorFlow's tape took; `batch` k reads `batch/<k>/input` and
    /// `batch/<k>/labels`, the batch of the k-th training step.
    public func gradients(of model: TrainingModel, batch: Int? = nil) throws -> ModelGradients {
        let prefix = batch.map { "batch/\($0)/" } ?? ""
        let output = try model.forward([required(prefix + "input")], training: true)[0]
        let (outputGradient, ofLogits) = try outputGradient(of: model, output: output, labels: prefix + "labels")
        let gradients = try model.backward([outputGradient], ofLogits: ofLogits)
        if configuration.regularized { try Regularization(graph: model.graph).addGradients(model.parameters, to: gradients.parameters) }
        return gradients
    }

    /// dL/d(output) of the case's loss for `model`'s last training forward pass, whose output is `output`, against
    /// the tensor `labels`; and whether it is with respect to the logits: Keras 3 takes a softmax head's
    /// cross-entropy from its logits (docs/keras-numerics.md §9.3), so that gradient is fed past the softmax.
    private func outputGradient(of model: TrainingModel, output: Tensor, labels key: String) throws -> (gradient: Tensor, ofLogits: Bool) {
        let gradient = try Tensor(shape: output.shape)
        switch configuration.loss {
        case "categorical_crossentropy", "sparse_categorical_crossentropy":
            guard let logits = model.outputLogits.first ?? nil else {
                throw ModelError("\(file.path): the model's output is not a softmax layer, which the case's \(configuration.loss) needs")
            }
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
            _ = try CategoricalCrossentropy(fromLogits: true)(logits, target, sampleWeights: weights, gradient: gradient)
            return (gradient, true)
        case "binary_crossentropy":
            _ = try BinaryCrossentropy()(output, .dense(required(key)), gradient: gradient)
            return (gradient, false)
        case "dot":
            try gradient.copy(from: required("output_gradient"))
            return (gradient, false)
        default:
            throw ModelError("\(file.path): loss '\(configuration.loss)' is not one Zoo computes")
        }
    }
}

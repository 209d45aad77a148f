import Converter
import Foundation
import Training
import Zoo

extension VerifyCommand {
    /// `zoo verify MODEL --golden CASE --gradients`: the model's backward pass on a golden gradient case,
    /// gradient by gradient against TensorFlow's, in backward order.
    func verifyGradients() throws {
        let parity = try CommandFailure.converting { () -> GradientParityReport in
            if cases != nil { throw CommandFailure("--cases is for golden activations; a golden gradient case is one batch") }
            // What GradientParityTests holds the golden cases' gradients to, but the melanoma ResNet50 under Keras
            // 2.2's BatchNormalization (2.5e-4, docs/keras-numerics.md §9.7).
            let limit = try checkedTolerance(default: ParityTolerance.float32)
            try FilePaths.requireConvertedModel(model)
            let file = try SafetensorsFile(path: model)
            if !skipDataHash { try DataHashCheck.require(file, path: model) }
            let graph = try arch.map(Registry.graph(named:)) ?? Model.graph(in: file)
            let golden = try GoldenGradientCase(path: self.golden)
            let fault = try BackwardFault.fromEnvironment()
            let reduced = file.storageDTypes.filter { $0 != .f32 }
            let configuration = golden.configuration
            let header = [
                modelLine(graph),
                ("golden", "\(golden.file.path) (case \(golden.name), Keras model \(configuration.model), TensorFlow GradientTape)"),
                ("training", "loss \(configuration.loss)\(configuration.classWeight == nil ? "" : " with class weights")"
                             + "\(configuration.regularized ? " + regularisers" : ""), BatchNormalization \(configuration.frozenBatchNorm), "
                             + "\(configuration.trainable.count) trainable layers, dropout off"),
                ("tolerance", "\(ParityReport.number(limit)) normalised per gradient" + (tolerance != nil ? " (given)"
                    : reduced.isEmpty ? " (float32: TensorFlow's gradients of the reference cases agree within it)"
                    : " (the reference used float32 weights; \(reduced.map(\.rawValue).joined(separator: "+")) weights need a --tolerance)")),
                ("engine", "training backward pass" + (fault.map { ", BACKWARD FAULT INJECTED: \($0.rawValue)" } ?? "")),
            ]
            return GradientParityReport(check: try golden.verify(graph: graph, weights: file, tolerance: limit, fault: fault), header: header)
        }
        try emit(parity, plotTitle: "Gradients of \((model as NSString).lastPathComponent) against TensorFlow")
    }
}

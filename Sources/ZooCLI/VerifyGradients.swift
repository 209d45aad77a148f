import Converter
import Foundation
import Training
import Zoo

extension VerifyCommand {
    /// The default normalised tolerance per gradient: what GradientParityTests holds the golden cases' gradients
    /// to, but the melanoma ResNet50 under Keras 2.2's BatchNormalization (2.5e-4, docs/keras-numerics.md §9.7).
    static let gradientTolerance = 1e-4

    /// `zoo verify MODEL --golden CASE --gradients`: the model's backward pass on a golden gradient case,
    /// gradient by gradient against TensorFlow's, in backward order.
    func verifyGradients() throws {
        let check: GradientParityCheck
        let header: [(String, String)]
        do {
            if cases != nil { throw CommandFailure("--cases is for golden activations; a golden gradient case is one batch") }
            let limit = tolerance ?? Self.gradientTolerance
            guard limit > 0, limit.isFinite else { throw CommandFailure("--tolerance must be a positive number, not \(limit)") }
            let file = try SafetensorsFile(path: model)
            let graph = try arch.map(Registry.graph(named:)) ?? Model.graph(in: file)
            let golden = try GoldenGradientCase(path: self.golden)
            let fault = try BackwardFault.fromEnvironment()
            let precisions = Set(file.tensors.map(\.dtype)).subtracting(["F32"])
            let configuration = golden.configuration
            header = [
                ("model", "\(model) (graph '\(graph.name)'\(arch.map { ", architecture \($0)" } ?? ""), \(graph.layers.count) layers)"),
                ("golden", "\(golden.file.path) (case \(golden.name), Keras model \(configuration.model), TensorFlow GradientTape)"),
                ("training", "loss \(configuration.loss)\(configuration.classWeight == nil ? "" : " with class weights")"
                             + "\(configuration.regularized ? " + regularisers" : ""), BatchNormalization \(configuration.frozenBatchNorm), "
                             + "\(configuration.trainable.count) trainable layers, dropout off"),
                ("tolerance", "\(ParityReport.number(limit)) normalised per gradient" + (tolerance != nil ? " (given)"
                    : precisions.isEmpty ? " (float32: TensorFlow's gradients of the reference cases agree within it)"
                    : " (the reference used float32 weights; \(precisions.sorted().joined(separator: "+")) weights need a --tolerance)")),
                ("engine", "training backward pass" + (fault.map { ", BACKWARD FAULT INJECTED: \($0.rawValue)" } ?? "")),
            ]
            check = try golden.verify(graph: graph, weights: file, tolerance: limit, fault: fault)
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure(error)
        }
        let parity = GradientParityReport(check: check, header: header)
        print(parity.text)
        if let report {
            let base = (report as NSString).deletingPathExtension
            let plot = base + ".svg"
            try Self.write([(plot, ParityPlot.svg(check, title: "Gradients of \((model as NSString).lastPathComponent) against TensorFlow")),
                            (base + ".csv", parity.csv), (report, parity.markdown(plotFile: (plot as NSString).lastPathComponent))],
                           report: report)
        }
        guard check.passed else { throw CommandFailure(parity.verdict) }
    }
}

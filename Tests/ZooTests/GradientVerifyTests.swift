import Foundation
import Testing
import TestSupport

/// `zoo verify --gradients` against TensorFlow's gradients (the golden gradient cases of
/// Tests/GoldenOutputs/training/gradients.py), and deliberately wrong backward passes (`ZOO_BACKWARD_FAULT`)
/// caught where they first show: the first failing gradient in backward order is the fault's own layer when
/// the fault is in that layer's weight gradient, and otherwise the first trainable layer below the faulty
/// backward pass (its output gradient is the first wrong value a weight gradient reads).
@Suite(.serialized) struct GradientVerifyTests {
    @Test func cleanCasePassesAndPrintsTheTableAndTheReport() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = directory.appendingPathComponent("gradients.md").path
        let (model, golden) = try caseModel("tiny_bn", into: directory)
        let result = try verify(model, golden: golden, arguments: ["--report", report])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("golden: ") && $0.contains("case tiny_bn, Keras model tiny_bn") })
        #expect(lines.contains { $0.contains("layer") && $0.contains("weight") && $0.contains("max|Δ|/max|ref|") && $0.contains("cosine") })
        // Backward order: the output layer's gradients first, the input gradient last.
        let rows = lines.filter { $0.hasPrefix("  ") && !$0.hasPrefix("  layer ") }.map { $0.split(separator: " ").prefix(2).joined(separator: "/") }
        #expect(rows.first == "predictions/kernel" && rows.last == "input_1/(input)", "\(rows)")
        #expect(try #require(rows.firstIndex(of: "dense_hidden/kernel")) < #require(rows.firstIndex(of: "conv/kernel")), "\(rows)")
        #expect(lines.contains { $0.hasPrefix("  conv") && $0.contains("bias") && $0.contains("noise: normalised by the largest gradient") },
                "the bias before a batch-statistics BatchNormalization has a gradient of float32 noise")
        #expect(lines.last == "PASS")

        let markdown = try String(contentsOfFile: report, encoding: .utf8)
        #expect(markdown.hasPrefix("# Gradient parity report") && markdown.contains("- **result**: PASS"))
        #expect(markdown.contains("| 1 | predictions | kernel |"))
        let csv = try String(contentsOfFile: directory.appendingPathComponent("gradients.csv").path, encoding: .utf8)
        #expect(csv.hasPrefix("order,layer,weight,shape,max_abs_error"))
        #expect(markdown.contains("![normalised error of each gradient in backward order](gradients.svg)"))
        let svg = try String(contentsOfFile: directory.appendingPathComponent("gradients.svg").path, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("<polyline") && svg.contains("backward order"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).count == 4, "model, report, plot, table; no temporary files")
    }

    /// tiny_vgg is a chain: block5_conv3 is the highest 3x3 convolution, so its wrong input gradient is the
    /// output gradient of block5_conv2, whose kernel gradient fails first; block5_conv3's own gradients pass.
    @Test func unflippedConvolutionKernelIsCaughtBelowTheHighestConvolution() throws {
        let result = try verifyWithFault("tiny_vgg", "unflipped-conv-kernel")
        #expect(result.stdout.contains("BACKWARD FAULT INJECTED: unflipped-conv-kernel"))
        #expect(result.stderr.contains("first failing gradient: block5_conv2/kernel (its output gradient came back through block5_conv3, whose gradients pass)"),
                "\(result.stderr)")
    }

    /// tiny_convs branches: the first convolution on the way back whose 180° rotation matters is conv_dil21_valid
    /// (3x1; conv_1x1_softmax is its own mirror image), and the trainable layer below it is conv_k4_s21_same.
    @Test func unflippedConvolutionKernelIsCaughtOnTheBranchThatHasIt() throws {
        let result = try verifyWithFault("tiny_convs", "unflipped-conv-kernel")
        #expect(result.stderr.contains("first failing gradient: conv_k4_s21_same/kernel (its output gradient came back through conv_dil21_valid,"),
                "\(result.stderr)")
    }

    /// The melanoma ResNet50 as saved: a frozen base under a trainable head, so no weight gradient reads a
    /// convolution's input gradient, and the fault shows at the input gradient alone.
    @Test func unflippedConvolutionKernelUnderAFrozenBaseIsCaughtAtTheInputGradient() throws {
        let result = try verifyWithFault("narrow_melanoma_resnet50_tf2", "unflipped-conv-kernel")
        #expect(result.stderr.contains("first failing gradient: input_1 (input gradient) (its output gradient came back through batch_normalization,"),
                "\(result.stderr)")
    }

    /// The unbiased variance rebuilds a wrong normalised input, so gamma's gradient fails at the BatchNormalization
    /// itself: the TB VGG16 head's, over a batch of 4 (n/(n-1) = 4/3).
    @Test func unbiasedBatchNormVarianceIsCaughtAtTheBatchNorm() throws {
        let result = try verifyWithFault("narrow_tb_vgg16_tf2", "bn-unbiased-variance")
        #expect(result.stderr.contains("first failing gradient: BatchNormalization/gamma (its output gradient came back through dense, whose gradients pass)"),
                "\(result.stderr)")
    }

    /// tiny_bn's first BatchNormalization on the way back, bn_dense_plain, has neither gamma nor beta: its wrong
    /// input gradient first shows in the kernel gradient of dense_hidden below it.
    @Test func unbiasedBatchNormVarianceWithoutGammaIsCaughtBelowIt() throws {
        let result = try verifyWithFault("tiny_bn", "bn-unbiased-variance")
        #expect(result.stderr.contains("first failing gradient: dense_hidden/kernel (its output gradient came back through predictions, whose gradients pass)"),
                "\(result.stderr)")
    }

    /// A case for a model of one's own, made by gradient_case.py (TensorFlow; about 15 s): only two layers
    /// trainable and a sparse loss, so that nothing of the reference set's cases is reused.
    @Test func aCaseForYourOwnModelIsMadeAndVerified() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let own = directory.appendingPathComponent("mine.keras")
        try FileManager.default.copyItem(at: TestEnvironment.fixtures.appendingPathComponent("tiny_merges/k3.keras"), to: own)
        let made = try TestEnvironment.runPython("training/gradient_case.py", ["--model", own.path, "--out", directory.path,
                                                                              "--trainable", "predictions,branch_a",
                                                                              "--loss", "sparse_categorical_crossentropy"])
        try #require(made.status == 0, "gradient_case.py: \(made.stderr)")
        let result = try verify(convert(own.path, into: directory), golden: directory.appendingPathComponent("mine"))
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("case mine, Keras model mine") && result.stdout.contains("loss sparse_categorical_crossentropy"))
        let rows = result.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") && !$0.hasPrefix("  layer ") }
        #expect(rows.map { $0.split(separator: " ")[0] } == ["predictions", "predictions", "branch_a", "branch_a", "input_1"], "\(rows)")
    }

    @Test func badInputsFailWithOneLine() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let set = try TestEnvironment.goldenGradients()
        let model = try convert(TestEnvironment.fixtures.appendingPathComponent("tiny_convs/k3.keras").path, into: directory)
        let cases: [(arguments: [String], environment: [String: String], message: String)] = [
            ([model, "--golden", try TestEnvironment.activations(of: "tiny_convs"), "--gradients"], [:], "no 'case' in the metadata"),
            ([model, "--golden", set.appendingPathComponent("tiny_bn").path, "--gradients"], [:], "trainable layer 'conv' is not in the model"),
            ([model, "--golden", set.appendingPathComponent("tiny_convs").path, "--gradients", "--cases", "normal"], [:], "--cases is for golden activations"),
            ([model, "--golden", set.appendingPathComponent("tiny_convs").path, "--gradients"], ["ZOO_BACKWARD_FAULT": "sideways"],
             "ZOO_BACKWARD_FAULT=sideways is not a known backward fault"),
        ]
        for (arguments, environment, message) in cases {
            let result = try TestEnvironment.run(TestEnvironment.zooBinary(), ["verify"] + arguments, environment: environment)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    /// The case's directory in the golden gradients, and its model converted into `directory` from the Keras file
    /// the case was made from.
    private func caseModel(_ name: String, into directory: URL) throws -> (model: String, golden: URL) {
        let golden = try TestEnvironment.goldenGradients().appendingPathComponent(name)
        return (try convert(TestEnvironment.checkpoint(ofGradientCase: golden).path, into: directory), golden)
    }

    /// `zoo verify --gradients` of a converted model against a case's directory, with the backward fault `fault` if any.
    private func verify(_ model: String, golden: URL, fault: String? = nil, arguments: [String] = []) throws -> TestEnvironment.Result {
        try TestEnvironment.run(TestEnvironment.zooBinary(), ["verify", model, "--golden", golden.path, "--gradients"] + arguments,
                                environment: fault.map { ["ZOO_BACKWARD_FAULT": $0] } ?? [:])
    }

    /// The case verified without the fault (it must pass, so the fault is what fails it) and with it (failing),
    /// both on one conversion of its model.
    private func verifyWithFault(_ name: String, _ fault: String) throws -> TestEnvironment.Result {
        let scratch = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (model, golden) = try caseModel(name, into: scratch)
        let clean = try verify(model, golden: golden)
        #expect(clean.status == 0, "\(name) without a fault: \(clean.stderr)")
        let result = try verify(model, golden: golden, fault: fault)
        #expect(result.status != 0, "\(name) with \(fault): \(result.stdout)")
        return result
    }

    private func convert(_ checkpoint: String, into directory: URL) throws -> String {
        let output = directory.appendingPathComponent("model.safetensors").path
        let result = try Converting.convert(checkpoint, arch: nil, to: output)
        try #require(result.status == 0, "\(checkpoint): \(result.stderr)")
        return output
    }
}

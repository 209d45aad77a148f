import Foundation
import Testing
import TestSupport

/// The latency benchmark's ONNX exporter (Benchmarks/peers/onnx_export.py) must compute what Keras
/// computes, or the ONNX Runtime column compares Zoo with a different model. Its self-test builds a tiny
/// VGG-like model (strided TensorFlow 'same' padding, BN, residual add, NHWC flatten into dense rows,
/// softmax), runs the export in ONNX Runtime and fails above 1e-4 normalised difference on the outputs
/// and on the values before the softmax. The full-size models are checked the same way by every
/// benchmark run; this keeps a broken exporter from waiting until then.
@Test func onnxExporterReproducesKerasOnTinyVGGLikeModel() throws {
    let script = TestEnvironment.repositoryRoot.appendingPathComponent("Benchmarks/peers/onnx_export.py").path
    let result = try TestEnvironment.run(TestEnvironment.python(), [script, "--self-test"],
                                         environment: ["TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""])
    #expect(result.status == 0, "onnx_export.py --self-test failed:\n\(result.stdout)\n\(result.stderr.suffix(3000))")
    #expect(result.stdout.contains("output: ONNX Runtime vs Keras"))
    #expect(result.stdout.contains("logits: ONNX Runtime vs Keras"))
}

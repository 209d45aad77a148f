"""ONNX Runtime on the CPU, timed like Zoo (see peer_timing.py): a session with every graph
optimisation (it folds BatchNormalization into the convolutions and fuses bias and ReLU), --threads
intra-op threads, one inter-op thread, sequential execution.

    python ort_bench.py MODEL.onnx --input IMAGES.f32 --shape 224,224,3 [--batches 1,16 --runs 20,5 ...]
"""
import onnxruntime

import peer_timing


def main():
    options = peer_timing.arguments(__doc__)

    def load():
        settings = onnxruntime.SessionOptions()
        settings.intra_op_num_threads = options.threads
        settings.inter_op_num_threads = 1
        settings.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        settings.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        return onnxruntime.InferenceSession(options.model, settings, providers=["CPUExecutionProvider"])

    def make_call(session, images, output="output"):
        name = session.get_inputs()[0].name
        return lambda: session.run([output], {name: images})[0]

    def make_logits_call(session, images):
        # onnx_export.py adds "logits" when the model ends in a softmax.
        names = [output.name for output in session.get_outputs()]
        return make_call(session, images, "logits" if "logits" in names else "output")

    peer_timing.run("onnxruntime", options, load, make_call, make_logits_call,
                    extra=lambda _: {"framework_version": f"onnxruntime {onnxruntime.__version__}"})


if __name__ == "__main__":
    main()

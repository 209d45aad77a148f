"""PyTorch on the CPU, timed like Zoo (see peer_timing.py): the ONNX export of the Keras model (the same
weights the other peers run) translated node by node into torch.nn.functional calls (onnx_torch.py),
traced, frozen (BatchNormalization folded into the convolutions) and optimised for inference, called
under `torch.inference_mode()`, with torch.set_num_threads(--threads) and one inter-op thread.

latency.py compares its outputs and its values before the final softmax with Keras' after the first
round and fails the run above 1e-4, as for every peer.

    python torch_bench.py MODEL.onnx --input IMAGES.f32 --shape 224,224,3 [--batches 1,16 --runs 20,5 ...]
"""
import os

import peer_timing


def main():
    options = peer_timing.arguments(__doc__)
    os.environ["OMP_NUM_THREADS"] = str(options.threads)
    import torch

    import onnx_torch

    torch.set_num_threads(options.threads)
    torch.set_num_interop_threads(1)
    shape = [int(s) for s in options.shape.split(",")]

    def load():
        # Traced on one image; the frozen graph takes any batch.
        return onnx_torch.optimised(options.model, torch.zeros([1] + shape))

    def make_call(model, images):
        tensor = torch.from_numpy(images)

        def call():
            with torch.inference_mode():
                return model(tensor).numpy()
        # TorchScript's executor profiles the first calls at each input shape and optimises after them: without
        # these, the first timed runs at a new batch size would include that (seen: 600 ms for a 1 ms model).
        for _ in range(3):
            call()
        return call

    def make_logits_call(_, images):
        import onnx
        names = [output.name for output in onnx.load(options.model, load_external_data=False).graph.output]
        output = "logits" if "logits" in names else "output"
        return make_call(onnx_torch.optimised(options.model, torch.zeros([1] + shape), output), images)

    peer_timing.run("torch", options, load, make_call, make_logits_call,
                    extra=lambda _: {"framework_version": f"torch {torch.__version__} "
                                                          f"({torch.backends.cpu.get_cpu_capability()} kernels)"})


if __name__ == "__main__":
    main()

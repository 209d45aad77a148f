"""Keras 3 on TensorFlow, timed like Zoo (see peer_timing.py): the model loaded from its checkpoint and
called as `model(x, training=False)` inside a `tf.function` (traced in the warm-up), with TensorFlow's
intra-op pool at --threads and one inter-op thread. Also reports the model's multiply-add count per image,
computed from its layers (convolutions and dense layers, 2 FLOPs per multiply-add), and the bytes its layers read and
write (`traffic_per_image`).

    python keras_bench.py MODEL.keras --input IMAGES.f32 --shape 224,224,3 [--batches 1,16 --runs 20,5 ...]
"""
import os

import peer_timing
from keras_logits import drop_final_softmax


def leaf_layers(model):
    """The model's layers with a nested model's layers inline (the tuberculosis models nest their VGG base)."""
    import keras

    for layer in model.layers:
        yield from leaf_layers(layer) if isinstance(layer, keras.Model) else [layer]


def flops_per_image(model):
    """2 x multiply-adds of the convolutions (depthwise ones included) and dense layers, the usual FLOP count of
    these networks."""
    import keras

    convolution = dense = 0
    for layer in leaf_layers(model):
        if isinstance(layer, keras.layers.Conv2D):
            height, width, outputs = layer.output.shape[1:]
            kernel = layer.kernel.shape
            convolution += 2 * height * width * outputs * kernel[0] * kernel[1] * kernel[2] // layer.groups
        elif isinstance(layer, keras.layers.DepthwiseConv2D):
            # One multiply-add per tap and output value (MobileNetV2's and EfficientNet's depthwise convolutions).
            height, width, outputs = layer.output.shape[1:]
            convolution += 2 * height * width * outputs * layer.kernel.shape[0] * layer.kernel.shape[1]
        elif isinstance(layer, keras.layers.Dense):
            dense += 2 * layer.kernel.shape[0] * layer.kernel.shape[1]
    return {"flops_per_image": convolution + dense, "conv_flops_per_image": convolution}


def traffic_per_image(model):
    """The float32 bytes a pass moves when every layer reads its inputs and writes its output in memory, none fused
    with the next: the activations' per image, and the parameters', read once per pass whatever the batch. Like the
    FLOP count, a property of the model, the same for every framework, which sets times against the memory
    bandwidth as the FLOP count sets them against the FMA peak. None when a layer's size is known only at run time."""
    import math

    import keras

    def size(tensors):
        tensors = tensors if isinstance(tensors, (list, tuple)) else [tensors]
        dimensions = [dimension for tensor in tensors for dimension in tensor.shape[1:]]
        return None if None in dimensions else sum(4 * math.prod(tensor.shape[1:]) for tensor in tensors)

    sizes = [size(tensors) for layer in leaf_layers(model) if not isinstance(layer, keras.layers.InputLayer)
             for tensors in (layer.input, layer.output)]
    return {"activation_bytes_per_image": None if None in sizes else sum(sizes), "parameter_bytes": 4 * model.count_params()}


def main():
    options = peer_timing.arguments(__doc__)
    peer_timing.quiet_tensorflow()
    # The oneDNN kernels inside TensorFlow use TensorFlow's own pool; OMP is pinned too in case a build uses it.
    os.environ["OMP_NUM_THREADS"] = str(options.threads)
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(options.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    def make_call(model, images):
        infer = tf.function(lambda x: model(x, training=False))
        tensor = tf.constant(images)
        return lambda: infer(tensor).numpy()

    def make_logits_call(model, images):
        drop_final_softmax(model)
        return make_call(model, images)

    version = {"framework_version": f"keras {keras.__version__}, tensorflow {tf.__version__}"}
    peer_timing.run("keras", options, lambda: keras.models.load_model(options.model, compile=False), make_call,
                    make_logits_call, extra=lambda model: flops_per_image(model) | traffic_per_image(model) | version)


if __name__ == "__main__":
    main()

"""Reference gradients of Conv2D and Dense, computed by TensorFlow's GradientTape over Keras 3 layers.

Usage: python kernel_gradients.py OUTPUT_DIR

For each seeded case, a linear-activation layer computes y from x, the loss is sum(y * g) for a seeded
upstream gradient g (so dL/dy = g, the pre-activation output gradient dz), and the tape gives dL/dx,
dL/dkernel and dL/dbias. Writes OUTPUT_DIR/manifest.json (case -> op, attributes, tensor shapes) and one
raw little-endian float32 file per tensor, `<case>.<tensor>.f32`: x, kernel, bias, g, dx, dkernel, dbias.
Cases cover TF 'same' padding's asymmetric split (stride 2 on odd and even sizes), the 7x7 stride-2 ResNet
stem, 1x1 strided 'valid', dilation, non-square kernels, 3 and 64 input channels, and Dense over rank 2
and rank 4 inputs.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

out_dir = sys.argv[1]
os.makedirs(out_dir, exist_ok=True)
rng = np.random.default_rng(20261205)
manifest = {}


def uniform(shape, scale=1.0):
    return (rng.uniform(-1.0, 1.0, size=shape) * scale).astype(np.float32)


def gradients(case, op, attrs, layer, x):
    """Sets seeded weights on the built `layer`, runs the tape for loss = sum(layer(x) * g), saves the case."""
    kernel = uniform(layer.kernel.shape, 1.0 / np.sqrt(np.prod(layer.kernel.shape[:-1])))
    bias = uniform(layer.bias.shape, 0.5)
    layer.set_weights([kernel, bias])
    x_variable = tf.Variable(x)
    g = uniform(layer.compute_output_shape(x.shape))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x_variable) * g)
    dx, dkernel, dbias = tape.gradient(loss, [x_variable, layer.kernel, layer.bias])
    tensors = {"x": x, "kernel": kernel, "bias": bias, "g": g,
               "dx": dx.numpy(), "dkernel": keras.ops.convert_to_numpy(dkernel), "dbias": keras.ops.convert_to_numpy(dbias)}
    manifest[case] = {"op": op, "attrs": attrs, "tensors": {}}
    for name, value in tensors.items():
        value = np.ascontiguousarray(value, dtype="<f4")
        value.tofile(os.path.join(out_dir, f"{case}.{name}.f32"))
        manifest[case]["tensors"][name] = list(value.shape)


def conv_case(case, input_shape, filters, kernel, strides=(1, 1), padding="same", dilation=(1, 1)):
    layer = keras.layers.Conv2D(filters, kernel, strides=strides, padding=padding, dilation_rate=dilation)
    layer.build(input_shape)
    gradients(case, "conv2d", {"strides": list(strides), "padding": padding, "dilation": list(dilation)},
              layer, uniform(input_shape))


def dense_case(case, input_shape, units):
    layer = keras.layers.Dense(units)
    layer.build(input_shape)
    gradients(case, "dense", {}, layer, uniform(input_shape))


conv_case("conv_k3_same_s1", (2, 9, 11, 64), 40, (3, 3))
conv_case("conv_k3_same_s2_odd", (2, 13, 15, 24), 36, (3, 3), strides=(2, 2))
conv_case("conv_k3_same_s2_even", (3, 12, 10, 16), 33, (3, 3), strides=(2, 2))
conv_case("conv_k7_same_s2_stem", (2, 23, 21, 3), 64, (7, 7), strides=(2, 2))
conv_case("conv_k1_valid_s1", (2, 7, 9, 64), 48, (1, 1), padding="valid")
conv_case("conv_k1_valid_s2", (2, 9, 8, 40), 70, (1, 1), strides=(2, 2), padding="valid")
conv_case("conv_k3_valid", (3, 10, 8, 3), 20, (3, 3), padding="valid")
conv_case("conv_k3_same_d2", (2, 11, 12, 20), 24, (3, 3), dilation=(2, 2))
conv_case("conv_k2x3_same", (2, 8, 9, 300), 65, (2, 3))
dense_case("dense_rank2", (3, 300), 70)
dense_case("dense_rank4", (2, 3, 5, 40), 33)

with open(os.path.join(out_dir, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1, sort_keys=True)

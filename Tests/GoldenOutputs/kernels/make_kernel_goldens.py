"""Reference outputs of every Tensor kernel, computed by Keras 3 / TensorFlow (the pinned environment).

Usage: python make_kernel_goldens.py OUTPUT_DIR

Writes OUTPUT_DIR/manifest.json and one raw little-endian float32 file per tensor, named
`<case>.<tensor>.f32`. The manifest maps each case to its op, attributes, input shapes and output shape.
Cases cover what breaks kernels: odd sizes where TF 'same' padding is asymmetric (197x211, stride 2,
7x7), dilation, channel counts that are not multiples of the 32-column GEMM tile or that need several
depth blocks, large magnitudes, all-negative inputs under 'same' max pooling, and broadcasting.
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
rng = np.random.default_rng(20261129)
manifest = {}


def uniform(shape, scale=1.0):
    return (rng.uniform(-1.0, 1.0, size=shape) * scale).astype(np.float32)


def save(case, op, attrs, inputs, output):
    """Stores one case: named input arrays, the reference output, and what Swift needs to rebuild the op."""
    entry = {"op": op, "attrs": attrs, "inputs": {}, "output": list(np.shape(output))}
    for name, value in inputs.items():
        value = np.ascontiguousarray(value, dtype="<f4")
        value.tofile(os.path.join(out_dir, f"{case}.{name}.f32"))
        entry["inputs"][name] = list(value.shape)
    np.ascontiguousarray(output, dtype="<f4").tofile(os.path.join(out_dir, f"{case}.output.f32"))
    manifest[case] = entry


def run_layer(layer, *inputs):
    result = layer(*inputs) if len(inputs) == 1 else layer(list(inputs))
    return keras.ops.convert_to_numpy(result)


# --- Conv2D -------------------------------------------------------------------------------------------
def conv_case(case, input_shape, filters, kernel, strides=(1, 1), padding="same", dilation=(1, 1),
              activation="linear", use_bias=True, input_scale=1.0):
    x = uniform(input_shape, input_scale)
    layer = keras.layers.Conv2D(filters, kernel, strides=strides, padding=padding, dilation_rate=dilation,
                                activation=activation, use_bias=use_bias)
    layer.build(input_shape)
    w = uniform(layer.kernel.shape, 1.0 / np.sqrt(kernel[0] * kernel[1] * input_shape[-1]))
    weights = [w]
    inputs = {"x": x, "kernel": w}
    if use_bias:
        b = uniform((filters,), 0.5)
        weights.append(b)
        inputs["bias"] = b
    layer.set_weights(weights)
    attrs = {"strides": list(strides), "padding": padding, "dilation": list(dilation), "activation": activation}
    save(case, "conv2d", attrs, inputs, run_layer(layer, x))


conv_case("conv_same_s2_k3_197x211_c5", (1, 197, 211, 5), 7, (3, 3), strides=(2, 2), activation="relu")
conv_case("conv_same_s1_k3_c40_n37", (2, 23, 19, 40), 37, (3, 3), activation="linear")
conv_case("conv_valid_s2_k7_c3", (1, 45, 51, 3), 64, (7, 7), strides=(2, 2), padding="valid")
# An RGB window read in place (KernelRowOperand) with zero rows above and below, kernel rows crossing both edges, two
# images, and 16 filters (a panel narrower than the tile).
conv_case("conv_same_s1_k5_c3_n2", (2, 13, 17, 3), 16, (5, 5), activation="relu")
# A window deeper than a depth block (7 x 7 x 8 = 392) with few channels: gathered into scratch (Im2ColTileOperand),
# kernel rows crossing every edge, 24 filters.
conv_case("conv_same_s2_k7_c8", (1, 19, 23, 8), 24, (7, 7), strides=(2, 2), activation="relu")
conv_case("conv_same_s2_k7_c33", (1, 31, 24, 33), 40, (7, 7), strides=(2, 2), activation="elu")
conv_case("conv_same_dilation2x3_c4", (1, 20, 23, 4), 9, (3, 3), dilation=(2, 3), activation="relu")
conv_case("conv_same_dilation2_c36", (1, 30, 27, 36), 33, (3, 3), dilation=(2, 2), activation="tanh")
conv_case("conv_1x1_s1_c300", (2, 14, 13, 300), 70, (1, 1), activation="sigmoid")
conv_case("conv_1x1_s2_valid_c64", (1, 15, 15, 64), 256, (1, 1), strides=(2, 2), padding="valid")
conv_case("conv_same_k3_c520", (1, 9, 10, 520), 33, (3, 3), activation="leaky_relu")
conv_case("conv_same_k3_large_magnitude", (1, 12, 11, 48), 16, (3, 3), input_scale=1e4)
conv_case("conv_same_k2_s3_even_kernel", (1, 16, 17, 32), 8, (2, 2), strides=(3, 3))
conv_case("conv_same_k3_softmax_no_bias", (1, 7, 9, 32), 10, (3, 3), activation="softmax", use_bias=False)
conv_case("conv_valid_k3_s1_224_c64", (1, 56, 56, 64), 64, (3, 3), padding="valid", activation="relu")
# The attention head: 1x1 convolutions down to a single sigmoid channel, and a bias-free fan-out from it.
conv_case("conv_1x1_c16_to_1_sigmoid", (1, 16, 16, 16), 1, (1, 1), padding="valid", activation="sigmoid")
conv_case("conv_1x1_c1_to_512_no_bias", (1, 16, 16, 1), 512, (1, 1), use_bias=False)
# EfficientNet's swish: finished in the GEMM tile's registers (full tiles) and after the store (the 6-row edge).
conv_case("conv_1x1_c40_silu", (1, 9, 11, 40), 64, (1, 1), activation="silu", input_scale=4.0)


# --- Dense --------------------------------------------------------------------------------------------
def dense_case(case, input_shape, units, activation="linear", use_bias=True):
    x = uniform(input_shape)
    layer = keras.layers.Dense(units, activation=activation, use_bias=use_bias)
    layer.build(input_shape)
    w = uniform(layer.kernel.shape, 1.0 / np.sqrt(input_shape[-1]))
    inputs = {"x": x, "kernel": w}
    weights = [w]
    if use_bias:
        b = uniform((units,), 0.5)
        inputs["bias"] = b
        weights.append(b)
    layer.set_weights(weights)
    save(case, "dense", {"activation": activation}, inputs, run_layer(layer, x))


dense_case("dense_relu_m5_k300", (5, 300), 40, "relu")
dense_case("dense_softmax_m1_n1000", (1, 600), 1000, "softmax")
dense_case("dense_rank3_no_bias", (2, 3, 17), 9, use_bias=False)
dense_case("dense_gemm_m197_k1000_n130", (197, 1000), 130)
# 49 rows, as a 7x7 map gives a convolution: seven tiles of 6 and, on AVX-512, a last one of 7 (elsewhere one of 1);
# three depth blocks; 70 columns, so the last panel's tiles go through the edge tile.
dense_case("dense_gemm_m49_k600_n70", (49, 600), 70, "relu")


# --- Pooling and padding ------------------------------------------------------------------------------
def pool_case(case, kind, input_shape, pool, strides, padding, scale=1.0, offset=0.0):
    x = uniform(input_shape, scale) + np.float32(offset)
    cls = keras.layers.MaxPooling2D if kind == "max" else keras.layers.AveragePooling2D
    layer = cls(pool_size=pool, strides=strides, padding=padding)
    attrs = {"kind": kind, "pool": list(pool), "strides": list(strides), "padding": padding}
    save(case, "pool2d", attrs, {"x": x}, run_layer(layer, x))


pool_case("maxpool_2x2_valid", "max", (1, 18, 17, 64), (2, 2), (2, 2), "valid")
pool_case("maxpool_3x3_s2_same_negative_197x211", "max", (1, 197, 211, 5), (3, 3), (2, 2), "same", offset=-10.0)
pool_case("maxpool_3x3_s2_valid", "max", (2, 15, 16, 20), (3, 3), (2, 2), "valid")
pool_case("avgpool_3x3_s2_same_197x211", "average", (1, 197, 211, 3), (3, 3), (2, 2), "same", scale=1e3)
pool_case("avgpool_2x2_valid", "average", (1, 10, 11, 17), (2, 2), (2, 2), "valid")
pool_case("avgpool_3x3_s1_same", "average", (2, 7, 6, 35), (3, 3), (1, 1), "same")

for kind, cls in (("max", keras.layers.GlobalMaxPooling2D), ("average", keras.layers.GlobalAveragePooling2D)):
    for keep in (False, True):
        x = uniform((2, 7, 9, 45), 100.0)
        save(f"global_{kind}_pool_keepdims_{keep}".lower(), "global_pool2d", {"kind": kind, "keepdims": keep},
             {"x": x}, run_layer(cls(keepdims=keep), x))

for case, pad in (("zero_padding_3", ((3, 3), (3, 3))), ("zero_padding_asymmetric", ((1, 2), (0, 3)))):
    x = uniform((2, 5, 6, 7))
    save(case, "zero_padding2d", {"padding": [list(p) for p in pad]}, {"x": x},
         run_layer(keras.layers.ZeroPadding2D(pad), x))


# --- Batch normalisation ------------------------------------------------------------------------------
def bn_params(channels):
    return {
        "gamma": uniform((channels,), 2.0),
        "beta": uniform((channels,), 3.0),
        "moving_mean": uniform((channels,), 5.0),
        "moving_variance": rng.uniform(0.01, 4.0, size=(channels,)).astype(np.float32),
    }


def bn_layer(params, epsilon, center=True, scale=True):
    layer = keras.layers.BatchNormalization(epsilon=epsilon, center=center, scale=scale)
    layer.build((None, None, None, len(params["moving_mean"])))
    names = (["gamma"] if scale else []) + (["beta"] if center else []) + ["moving_mean", "moving_variance"]
    layer.set_weights([params[n] for n in names])
    return layer, {n: params[n] for n in names}


for case, epsilon, center, scale, magnitude in (
        ("batch_norm_eps_1.001e-5", 1.001e-5, True, True, 1.0),
        ("batch_norm_eps_1e-3_large", 1e-3, True, True, 1e4),
        ("batch_norm_no_center_no_scale", 1e-3, False, False, 1.0)):
    x = uniform((2, 9, 7, 19), magnitude)
    layer, params = bn_layer(bn_params(19), epsilon, center, scale)
    save(case, "batch_norm", {"epsilon": epsilon}, {"x": x, **params}, run_layer(layer, x))

# conv -> BN as TensorFlow runs it (two ops), for the folded and unfolded Swift paths.
x = uniform((1, 29, 31, 24))
conv = keras.layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same")
conv.build(x.shape)
w = uniform(conv.kernel.shape, 0.1)
b = uniform((64,), 0.5)
conv.set_weights([w, b])
bn, params = bn_layer(bn_params(64), 1.001e-5)
save("conv_then_batch_norm", "conv_batch_norm", {"epsilon": 1.001e-5, "strides": [2, 2], "padding": "same"},
     {"x": x, "kernel": w, "bias": b, **params}, keras.ops.convert_to_numpy(bn(conv(x))))


# --- Merges, concatenate, flatten ---------------------------------------------------------------------
def merge_case(case, kind, shapes, scale=1.0):
    xs = [uniform(s, scale) for s in shapes]
    layer = {"add": keras.layers.Add, "subtract": keras.layers.Subtract, "multiply": keras.layers.Multiply,
             "average": keras.layers.Average, "maximum": keras.layers.Maximum, "minimum": keras.layers.Minimum}[kind]()
    save(case, "merge", {"kind": kind}, {f"x{i}": x for i, x in enumerate(xs)}, run_layer(layer, *xs))


merge_case("add_same_shape", "add", [(2, 5, 6, 40), (2, 5, 6, 40)])
merge_case("add_broadcast_channels", "add", [(2, 5, 6, 8), (2, 1, 1, 8)])
merge_case("add_three_inputs", "add", [(1, 4, 4, 33), (1, 4, 4, 33), (1, 4, 4, 33)], 1e5)
merge_case("multiply_lower_rank", "multiply", [(2, 5, 6, 8), (2, 8)])
merge_case("multiply_broadcast_spatial", "multiply", [(2, 5, 6, 8), (2, 5, 6, 1)])
merge_case("subtract_broadcast_both", "subtract", [(2, 5, 1, 3), (2, 1, 6, 3)])
merge_case("average_three", "average", [(2, 3, 4, 17), (2, 3, 4, 17), (2, 3, 4, 17)])
merge_case("maximum_broadcast", "maximum", [(2, 3, 4, 17), (2, 3, 4, 1)])
merge_case("minimum_same", "minimum", [(2, 3, 4, 17), (2, 3, 4, 17)])

# The attention head's Lambda(lambda x: x[0] / x[1]) on pooled features (denominators kept away from 0).
numerator, denominator = uniform((2, 512), 3.0), rng.uniform(0.05, 1.0, size=(2, 1)).astype(np.float32)
save("divide_broadcast", "merge", {"kind": "divide"}, {"x0": numerator, "x1": denominator},
     keras.ops.convert_to_numpy(keras.ops.divide(numerator, denominator)))

for case, axis, shapes in (("concatenate_channels", -1, [(2, 4, 5, 3), (2, 4, 5, 16), (2, 4, 5, 1)]),
                           ("concatenate_axis1", 1, [(2, 1, 5, 3), (2, 4, 5, 3)])):
    xs = [uniform(s) for s in shapes]
    save(case, "concatenate", {"axis": axis}, {f"x{i}": x for i, x in enumerate(xs)},
         run_layer(keras.layers.Concatenate(axis=axis), *xs))

x = uniform((2, 3, 4, 5))
save("flatten_nhwc", "flatten", {}, {"x": x}, run_layer(keras.layers.Flatten(), x))


# --- Activations --------------------------------------------------------------------------------------
x = np.concatenate([uniform((3, 40), 8.0), uniform((3, 40), 100.0)], axis=1)
for case, name, layer in (
        ("activation_relu", "relu", keras.layers.Activation("relu")),
        ("activation_sigmoid", "sigmoid", keras.layers.Activation("sigmoid")),
        ("activation_silu", "silu", keras.layers.Activation("silu")),
        ("activation_tanh", "tanh", keras.layers.Activation("tanh")),
        ("activation_softmax", "softmax", keras.layers.Activation("softmax")),
        ("activation_linear", "linear", keras.layers.Activation("linear")),
        ("activation_elu", "elu", keras.layers.Activation("elu")),
        ("activation_elu_alpha_0.5", "elu", keras.layers.ELU(alpha=0.5)),
        ("activation_leaky_relu_0.3", "leaky_relu", keras.layers.LeakyReLU(negative_slope=0.3))):
    alpha = {"activation_elu_alpha_0.5": 0.5, "activation_leaky_relu_0.3": 0.3}.get(case)
    save(case, "activation", {"activation": name, "alpha": alpha}, {"x": x}, run_layer(layer, x))
x = uniform((2, 4, 4, 10), 1e3)
save("activation_softmax_large_nhwc", "activation", {"activation": "softmax", "alpha": None}, {"x": x},
     run_layer(keras.layers.Activation("softmax"), x))

with open(os.path.join(out_dir, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1, sort_keys=True)
print(f"wrote {len(manifest)} cases to {out_dir}")

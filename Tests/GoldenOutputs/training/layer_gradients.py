"""Reference gradients of the Keras layers the Tensor module backpropagates, by tf.GradientTape.

Usage: python layer_gradients.py OUT_DIR

Every case runs a real Keras 3 layer (training=True where the layer cares) on seeded inputs, takes the loss
`sum(y * g)` for a seeded upstream gradient `g`, and records the gradients of the loss with respect to the
inputs (and to Conv2D's, DepthwiseConv2D's and Dense's kernel and bias, BatchNormalization's and LayerNormalization's
gamma and beta). Writes
OUT_DIR/layer_gradients.safetensors (tensors named `<case>/<tensor>`: inputs `x0, x1, ...`, output `y`, `g`, input gradients
`dx0, dx1, ...`, and per kind `kernel`, `bias`, `dkernel`, `dbias`, `dgamma`, `dbeta`, `gamma`, `beta`, `mean`,
`variance`, `moving_mean`, `moving_variance`) and OUT_DIR/layer_gradients.json (per case: kind, attributes,
tensor names).

Conv2D, DepthwiseConv2D and Dense run with a linear activation, so `g` is the pre-activation output gradient dz.
Their cases cover TF 'same' padding's asymmetric split (stride 2 on odd and even sizes), the 7x7 stride-2 ResNet stem,
1x1 strided 'valid', dilation, non-square kernels, 3 and 64 input channels, grouped convolutions (groups 2 to 8),
depth multipliers 1 and 2, and Dense over rank 2 and rank 4 inputs. Every case also keeps the layer's output `y`, so the forward pass is checked on the same
inputs.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402

out_dir = sys.argv[1]
os.makedirs(out_dir, exist_ok=True)
rng = np.random.default_rng(20261205)
cases = {}
tensors = {}


def uniform(shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, size=shape).astype(np.float32)


def grid(shape, low, high):
    """Multiples of 0.5 in [low, high]: exact zeros, thresholds, clip bounds and ties, where gradients branch."""
    return (rng.integers(int(2 * low), int(2 * high) + 1, size=shape) / 2).astype(np.float32)


def record(case, kind, attrs, arrays):
    cases[case] = {"kind": kind, "attrs": attrs, "tensors": sorted(arrays)}
    for name, value in arrays.items():
        tensors[f"{case}/{name}"] = np.ascontiguousarray(keras.ops.convert_to_numpy(value), dtype=np.float32)


def gradients(call, inputs, variables=()):
    """y = call(inputs), g, and d sum(y * g) / d (inputs + variables)."""
    inputs = [tf.constant(x) for x in inputs]
    with tf.GradientTape() as tape:
        for x in inputs:
            tape.watch(x)
        y = call(inputs)
        g = tf.constant(uniform(y.shape))
        loss = tf.reduce_sum(y * g)
    return y, g, tape.gradient(loss, inputs + list(variables))


def layer_case(case, kind, attrs, layer, inputs, single=True):
    y, g, grads = gradients(lambda xs: layer(xs[0]) if single else layer(xs), inputs)
    arrays = {f"x{i}": x for i, x in enumerate(inputs)} | {f"dx{i}": d for i, d in enumerate(grads)}
    record(case, kind, attrs, arrays | {"y": y, "g": g})


def kinks(shape):
    """The 0.5 grid over [-8, 8], led by values at and just either side of 0, +-3 and +-6 (where relu6 and the hard
    sigmoid bend), so both sides of every kink are met."""
    values = grid(shape, -8, 8).reshape(-1)
    near = np.array([k + d for k in (-6.0, -3.0, 0.0, 3.0, 6.0) for d in (-1e-2, -1e-6, 0.0, 1e-6, 1e-2)], np.float32)
    values[:near.size] = near
    return values.reshape(shape)


# --- Activations (gradient read from the output in Swift) ------------------------------------------------
for name, layer, alpha in [("linear", keras.layers.Activation("linear"), None),
                           ("relu", keras.layers.Activation("relu"), None),
                           ("sigmoid", keras.layers.Activation("sigmoid"), None),
                           ("tanh", keras.layers.Activation("tanh"), None),
                           ("softmax", keras.layers.Activation("softmax"), None),
                           ("elu", keras.layers.ELU(alpha=1.0), 1.0),
                           ("elu", keras.layers.ELU(alpha=0.7), 0.7),
                           ("leaky_relu", keras.layers.LeakyReLU(negative_slope=0.3), 0.3)]:
    attrs = {"activation": name} | ({"alpha": alpha} if alpha is not None else {})
    case = f"activation_{name}" + (f"_{alpha}" if alpha is not None else "")
    layer_case(case, "activation", attrs, layer, [uniform((3, 5, 7, 11), -3, 3)])
    if name in ("relu", "elu", "leaky_relu"):
        layer_case(case + "_grid", "activation", attrs, layer, [grid((3, 5, 7, 11), -3, 3)])

# --- Keras' general ReLU layer ----------------------------------------------------------------------------
for index, (max_value, slope, threshold) in enumerate([(6.0, 0.0, 0.0), (4.5, 0.1, 0.5), (None, 0.2, 0.0),
                                                       (2.0, 0.0, 0.3), (None, 0.1, 0.5), (None, 0.0, 1.0)]):
    layer = keras.layers.ReLU(max_value=max_value, negative_slope=slope, threshold=threshold)
    attrs = {"max_value": max_value, "negative_slope": slope, "threshold": threshold}
    layer_case(f"relu_{index}", "keras_relu", attrs, layer, [uniform((2, 9, 8, 5), -8, 8)])
    layer_case(f"relu_{index}_grid", "keras_relu", attrs, layer, [grid((2, 9, 8, 5), -8, 8)])


# --- BatchNormalization -----------------------------------------------------------------------------------
def batch_norm_case(case, shape, epsilon, scale, center, offset):
    x = uniform(shape, -3, 3) + offset
    layer = keras.layers.BatchNormalization(epsilon=epsilon, scale=scale, center=center)
    layer.build(shape)
    channels = shape[-1]
    weights = {}
    if scale:
        layer.gamma.assign(uniform((channels,), 0.5, 1.5))
        weights["gamma"] = layer.gamma
    if center:
        layer.beta.assign(uniform((channels,), -0.5, 0.5))
        weights["beta"] = layer.beta
    y, g, grads = gradients(lambda xs: layer(xs[0], training=True), [x], list(weights.values()))
    mean, variance = tf.nn.moments(tf.constant(x), axes=list(range(len(shape) - 1)))
    arrays = {"x0": x, "g": g, "dx0": grads[0], "mean": mean, "variance": variance}
    for (name, value), grad in zip(weights.items(), grads[1:]):
        arrays[name] = value
        arrays[f"d{name}"] = grad
    record(case, "batch_norm", {"epsilon": epsilon}, arrays)


batch_norm_case("batch_norm_nhwc", (4, 5, 6, 7), 1e-3, True, True, 2.0)
batch_norm_case("batch_norm_dense_resnet_epsilon", (16, 10), 1.001e-5, True, True, -1.0)
batch_norm_case("batch_norm_no_scale_no_center", (3, 4, 4, 6), 1e-3, False, False, 0.5)

# Inference mode: fixed moving statistics, dx = dy * scale.
x = uniform((2, 3, 4, 5), -3, 3)
layer = keras.layers.BatchNormalization(epsilon=1e-3)
layer.build(x.shape)
statistics = {"gamma": uniform((5,), 0.5, 1.5), "beta": uniform((5,), -0.5, 0.5),
              "moving_mean": uniform((5,), -1, 1), "moving_variance": uniform((5,), 0.2, 2)}
layer.set_weights([statistics[k] for k in ("gamma", "beta", "moving_mean", "moving_variance")])
y, g, grads = gradients(lambda xs: layer(xs[0], training=False), [x])
record("batch_norm_inference", "batch_norm_inference", {"epsilon": 1e-3}, {"x0": x, "g": g, "dx0": grads[0]} | statistics)

# --- Pooling ----------------------------------------------------------------------------------------------
for kind, layer_type in [("max", keras.layers.MaxPooling2D), ("average", keras.layers.AveragePooling2D)]:
    for pool, strides, padding in [((3, 3), (1, 1), "same"), ((3, 3), (2, 2), "same"), ((2, 2), (2, 2), "valid"),
                                   ((3, 3), (3, 3), "valid"), ((2, 3), (2, 1), "same"), ((3, 2), (3, 3), "same")]:
        case = f"pool_{kind}_{pool[0]}x{pool[1]}_s{strides[0]}x{strides[1]}_{padding}"
        attrs = {"kind": kind, "pool": list(pool), "strides": list(strides), "padding": padding}
        layer_case(case, "pool2d", attrs, layer_type(pool, strides=strides, padding=padding), [uniform((2, 11, 13, 3))])
# All-negative input under 'same': a padding zero must never win.
layer_case("pool_max_3x3_s2_same_negative", "pool2d", {"kind": "max", "pool": [3, 3], "strides": [2, 2], "padding": "same"},
           keras.layers.MaxPooling2D(3, strides=2, padding="same"), [uniform((1, 8, 9, 4), -2, -1)])

# Ties in every window: the gradient goes to the first maximum in window order.
for padding in ("same", "valid"):
    layer_case(f"pool_max_3x3_s2_{padding}_ties", "pool2d", {"kind": "max", "pool": [3, 3], "strides": [2, 2], "padding": padding},
               keras.layers.MaxPooling2D(3, strides=2, padding=padding), [grid((2, 9, 10, 3), -1, 1)])
layer_case("global_max_ties", "global_pool2d", {"kind": "max", "keepdims": False},
           keras.layers.GlobalMaxPooling2D(), [grid((2, 4, 3, 5), -1, 1)])

for kind, layer_type in [("average", keras.layers.GlobalAveragePooling2D), ("max", keras.layers.GlobalMaxPooling2D)]:
    for keepdims in (False, True):
        layer_case(f"global_{kind}_keepdims_{keepdims}", "global_pool2d", {"kind": kind, "keepdims": keepdims},
                   layer_type(keepdims=keepdims), [uniform((2, 5, 7, 4))])

layer_case("zero_padding_asymmetric", "zero_padding2d", {"padding": [1, 2, 3, 0]},
           keras.layers.ZeroPadding2D(((1, 2), (3, 0))), [uniform((2, 4, 5, 3))])

# --- Merge and Concatenate --------------------------------------------------------------------------------
for kind, layer_type in [("add", keras.layers.Add), ("subtract", keras.layers.Subtract),
                         ("multiply", keras.layers.Multiply), ("average", keras.layers.Average),
                         ("maximum", keras.layers.Maximum), ("minimum", keras.layers.Minimum)]:
    # (N, H, W, C) against (N, C): Keras inserts the size-1 axes after the batch axis.
    layer_case(f"merge_{kind}_broadcast", "merge", {"kind": kind}, layer_type(),
               [uniform((2, 4, 5, 3)), uniform((2, 3))], single=False)
    layer_case(f"merge_{kind}_same_shape", "merge", {"kind": kind}, layer_type(),
               [uniform((2, 4, 5, 3)), uniform((2, 4, 5, 3))], single=False)
    if kind != "subtract":
        layer_case(f"merge_{kind}_three", "merge", {"kind": kind}, layer_type(),
                   [uniform((2, 4, 5, 3)), uniform((2, 3)), uniform((2, 4, 5, 3))], single=False)
for kind, layer_type in [("maximum", keras.layers.Maximum), ("minimum", keras.layers.Minimum)]:
    layer_case(f"merge_{kind}_ties", "merge", {"kind": kind}, layer_type(),
               [grid((2, 4, 5, 3), -1, 1), grid((2, 3), -1, 1), grid((2, 4, 5, 3), -1, 1)], single=False)
layer_case("merge_divide_lambda", "merge", {"kind": "divide"}, keras.layers.Lambda(lambda x: x[0] / x[1]),
           [uniform((2, 4, 5, 3)), uniform((2, 4, 5, 1), 0.5, 2)], single=False)

layer_case("merge_divide_lambda_same_shape", "merge", {"kind": "divide"}, keras.layers.Lambda(lambda x: x[0] / x[1]),
           [uniform((2, 4, 5, 3)), uniform((2, 4, 5, 3), 0.5, 2)], single=False)

layer_case("concatenate_last", "concatenate", {"axis": -1}, keras.layers.Concatenate(axis=-1),
           [uniform((2, 3, 4, 5)), uniform((2, 3, 4, 2))], single=False)
layer_case("concatenate_axis1", "concatenate", {"axis": 1}, keras.layers.Concatenate(axis=1),
           [uniform((2, 3, 4, 5)), uniform((2, 1, 4, 5)), uniform((2, 2, 4, 5))], single=False)

# --- Conv2D and Dense (kernel, bias and input gradients) ---------------------------------------------------
def weighted_case(case, kind, attrs, layer, input_shape):
    """Seeded kernel (scaled by 1/sqrt(fan-in)) and bias on the built `layer`, then the tape over x0, kernel, bias."""
    layer.build(input_shape)
    scale = 1.0 / np.sqrt(np.prod(layer.kernel.shape[:-1]))
    kernel, bias = uniform(layer.kernel.shape, -scale, scale), uniform(layer.bias.shape, -0.5, 0.5)
    layer.set_weights([kernel, bias])
    x = uniform(input_shape)
    y, g, grads = gradients(lambda xs: layer(xs[0]), [x], [layer.kernel, layer.bias])
    record(case, kind, attrs, {"x0": x, "y": y, "g": g, "dx0": grads[0], "kernel": kernel, "bias": bias,
                               "dkernel": grads[1], "dbias": grads[2]})


def conv_case(case, input_shape, filters, kernel, strides=(1, 1), padding="same", dilation=(1, 1)):
    layer = keras.layers.Conv2D(filters, kernel, strides=strides, padding=padding, dilation_rate=dilation)
    weighted_case(case, "conv2d", {"strides": list(strides), "padding": padding, "dilation": list(dilation)},
                  layer, input_shape)


conv_case("conv_k3_same_s1", (2, 9, 11, 64), 40, (3, 3))
conv_case("conv_k3_same_s2_odd", (2, 13, 15, 24), 36, (3, 3), strides=(2, 2))
conv_case("conv_k3_same_s2_even", (3, 12, 10, 16), 33, (3, 3), strides=(2, 2))
conv_case("conv_k7_same_s2_stem", (2, 23, 21, 3), 64, (7, 7), strides=(2, 2))
conv_case("conv_k1_valid_s1", (2, 7, 9, 64), 48, (1, 1), padding="valid")
conv_case("conv_k1_valid_s2", (2, 9, 8, 40), 70, (1, 1), strides=(2, 2), padding="valid")
conv_case("conv_k3_valid", (3, 10, 8, 3), 20, (3, 3), padding="valid")
conv_case("conv_k3_same_d2", (2, 11, 12, 20), 24, (3, 3), dilation=(2, 2))
conv_case("conv_k2x3_same", (2, 8, 9, 300), 65, (2, 3))
weighted_case("dense_rank2", "dense", {}, keras.layers.Dense(70), (3, 300))
weighted_case("dense_rank4", "dense", {}, keras.layers.Dense(33), (2, 3, 5, 40))
# 11 rows over 8 packing tasks of 2: the last two tasks have no rows (a short last batch of a pass hit this).
weighted_case("dense_eleven_rows", "dense", {}, keras.layers.Dense(9), (11, 40))

# --- The wider zoo (issue 14), after the cases above so their seeded values stay as they were ---------------
# The activations of MobileNet and EfficientNet, by their Keras names (swish and hard_swish are aliases of silu and
# hard_silu); gelu by Keras' default (exact) and its tanh approximation. Softplus also beyond +-13.94, where TF's kernel
# switches to x and exp(x).
for name, layer, attrs in [("relu6", keras.layers.Activation("relu6"), {}),
                           ("swish", keras.layers.Activation("swish"), {}),
                           ("silu", keras.layers.Activation("silu"), {}),
                           ("hard_sigmoid", keras.layers.Activation("hard_sigmoid"), {}),
                           ("hard_swish", keras.layers.Activation("hard_swish"), {}),
                           ("gelu", keras.layers.Activation("gelu"), {}),
                           ("gelu_approximate", lambda x: keras.activations.gelu(x, approximate=True), {"approximate": True}),
                           ("selu", keras.layers.Activation("selu"), {}),
                           ("softplus", keras.layers.Activation("softplus"), {})]:
    attrs = {"activation": name.removesuffix("_approximate")} | attrs
    layer_case(f"activation_{name}", "activation", attrs, layer,
               [uniform((3, 5, 7, 11), -20, 20) if name == "softplus" else uniform((3, 5, 7, 11), -8, 8)])
    layer_case(f"activation_{name}_kinks", "activation", attrs, layer, [kinks((3, 5, 7, 11))])


def depthwise_case(case, input_shape, kernel, multiplier=1, strides=(1, 1), padding="same", dilation=(1, 1)):
    layer = keras.layers.DepthwiseConv2D(kernel, strides=strides, padding=padding, depth_multiplier=multiplier,
                                         dilation_rate=dilation)
    weighted_case(case, "depthwise_conv2d", {"strides": list(strides), "padding": padding, "dilation": list(dilation),
                                             "depth_multiplier": multiplier}, layer, input_shape)


# Channel counts off the 16-lane vectors (24, 17, 7, 5), TF 'same' split on odd and even sizes at stride 2, an even
# kernel, dilation 2 under both paddings, multiplier 1 and 2.
depthwise_case("depthwise_k3_same_s1", (2, 9, 11, 24), (3, 3))
depthwise_case("depthwise_k3_same_s2_odd", (2, 13, 15, 32), (3, 3), strides=(2, 2))
depthwise_case("depthwise_k3_same_s2_even", (3, 12, 10, 16), (3, 3), strides=(2, 2))
depthwise_case("depthwise_k5_same_s2_m2", (2, 11, 13, 7), (5, 5), multiplier=2, strides=(2, 2))
depthwise_case("depthwise_k3_valid_m2", (2, 10, 9, 5), (3, 3), multiplier=2, padding="valid")
depthwise_case("depthwise_k3_valid_s2", (2, 11, 12, 24), (3, 3), strides=(2, 2), padding="valid")
depthwise_case("depthwise_k3_same_d2", (2, 11, 12, 20), (3, 3), dilation=(2, 2))
depthwise_case("depthwise_k3_valid_d2_m2", (2, 12, 11, 6), (3, 3), multiplier=2, padding="valid", dilation=(2, 2))
depthwise_case("depthwise_k2x3_same", (2, 8, 9, 17), (2, 3))

# --- Layers that move values, and LayerNormalization (after the others: their draws leave earlier cases' alone) -----
layer_case("cropping_asymmetric", "cropping2d", {"cropping": [1, 2, 0, 3]},
           keras.layers.Cropping2D(((1, 2), (0, 3))), [uniform((2, 6, 7, 3))])
# CenterCrop: a crop with odd differences, and an input smaller than the target, which Keras resizes (smart_resize).
layer_case("center_crop_odd", "center_crop", {"height": 3, "width": 4}, keras.layers.CenterCrop(3, 4), [uniform((2, 6, 7, 3))])
layer_case("center_crop_resized", "center_crop", {"height": 9, "width": 5}, keras.layers.CenterCrop(9, 5), [uniform((2, 6, 7, 3))])
for interpolation, size in [("nearest", (2, 3)), ("bilinear", (3, 2)), ("bilinear", (2, 2))]:
    layer_case(f"up_sampling_{interpolation}_{size[0]}x{size[1]}", "up_sampling2d",
               {"interpolation": interpolation, "size": list(size)},
               keras.layers.UpSampling2D(size, interpolation=interpolation), [uniform((2, 4, 5, 3))])
for dims, shape in [((3, 1, 2), (2, 3, 4, 5)), ((2, 1, 3), (2, 3, 4, 5)), ((2, 1), (2, 3, 4))]:
    layer_case("permute_" + "".join(map(str, dims)), "permute", {"dims": list(dims)}, keras.layers.Permute(dims), [uniform(shape)])


def layer_norm_case(case, shape, epsilon, scale, center):
    x = uniform(shape, -3, 3) + 1.5
    layer = keras.layers.LayerNormalization(epsilon=epsilon, scale=scale, center=center)
    layer.build(shape)
    weights = {}
    if scale:
        layer.gamma.assign(uniform(shape[-1:], 0.5, 1.5))
        weights["gamma"] = layer.gamma
    if center:
        layer.beta.assign(uniform(shape[-1:], -0.5, 0.5))
        weights["beta"] = layer.beta
    y, g, grads = gradients(lambda xs: layer(xs[0]), [x], list(weights.values()))
    arrays = {"x0": x, "y": y, "g": g, "dx0": grads[0]}
    for (name, value), grad in zip(weights.items(), grads[1:]):
        arrays[name] = value
        arrays[f"d{name}"] = grad
    record(case, "layer_norm", {"epsilon": epsilon}, arrays)


layer_norm_case("layer_norm_nhwc", (2, 3, 4, 6), 1e-3, True, True)
layer_norm_case("layer_norm_rank3_no_center", (3, 5, 17), 1e-5, True, False)
layer_norm_case("layer_norm_dense_plain", (4, 8), 1e-3, False, False)



# --- Grouped Conv2D and Resizing (issue 14, after the others: their draws leave earlier cases' alone) ---------------
# Grouped convolutions run on TensorFlow's CPU through XLA (Keras' backend compiles them: the plain kernel refuses them).
# Groups of 2, 4 and 8 channels each (the im2col rows gathered per group), and of 32 (read in place); 3x3 'same' and
# 'valid' stride 2 on odd sizes, dilation 2, 1x1 (a matrix product per group) and 1x1 strided.
def grouped_conv_case(case, input_shape, filters, kernel, groups, strides=(1, 1), padding="same", dilation=(1, 1)):
    layer = keras.layers.Conv2D(filters, kernel, strides=strides, padding=padding, dilation_rate=dilation, groups=groups)
    weighted_case(case, "conv2d", {"strides": list(strides), "padding": padding, "dilation": list(dilation), "groups": groups},
                  layer, input_shape)


grouped_conv_case("conv_g2_k3_same_s1", (2, 9, 11, 8), 8, (3, 3), 2)
grouped_conv_case("conv_g4_k3_valid_s2", (2, 13, 15, 8), 12, (3, 3), 4, strides=(2, 2), padding="valid")
grouped_conv_case("conv_g4_k3_same_d2", (2, 11, 12, 8), 8, (3, 3), 4, dilation=(2, 2))
grouped_conv_case("conv_g2_k1_valid", (2, 7, 9, 8), 12, (1, 1), 2, padding="valid")
grouped_conv_case("conv_g8_k3_same_s2", (2, 9, 8, 8), 16, (3, 3), 8, strides=(2, 2))
grouped_conv_case("conv_g2_k3_same_wide", (2, 9, 10, 64), 96, (3, 3), 2)
grouped_conv_case("conv_g4_k1_same_s2", (2, 9, 11, 12), 8, (1, 1), 4, strides=(2, 2))

# Resizing: bilinear and nearest up and down by ratios that are not integers, on odd sizes; crop_to_aspect_ratio cutting
# rows (a tall input for a wide target) and columns (the reverse).
for index, (shape, height, width, interpolation, crop) in enumerate([
        ((2, 5, 7, 3), 8, 11, "bilinear", False), ((2, 11, 13, 3), 7, 5, "bilinear", False),
        ((2, 5, 7, 3), 9, 10, "nearest", False), ((2, 13, 11, 3), 6, 4, "nearest", False),
        ((2, 11, 7, 3), 5, 6, "bilinear", True), ((2, 7, 13, 3), 9, 4, "bilinear", True),
        ((2, 11, 7, 3), 4, 9, "nearest", True), ((2, 9, 12, 3), 7, 3, "nearest", True)]):
    layer_case(f"resizing_{index}_{interpolation}_{height}x{width}" + ("_crop" if crop else ""), "resizing",
               {"height": height, "width": width, "interpolation": interpolation, "crop_to_aspect_ratio": crop},
               keras.layers.Resizing(height, width, interpolation=interpolation, crop_to_aspect_ratio=crop), [uniform(shape)])

# --- Winograd's backward pass, after the cases above so their seeded values stay as they were -------------------
# 3x3 stride-1 layers also run backward by Winograd F(2x2, 3x3) (ConvolutionGradientTests). At 8 input and 8 output
# channels its kernel gradient takes about 13,000 tiles a chunk; 231x229 makes 116 x 115 tiles, two chunks.
conv_case("conv_k3_same_s1_two_chunks", (1, 231, 229, 8), 8, (3, 3))

# --- Depthwise rows wide enough for the forward kernel's blocks of side-by-side outputs (8 with AVX-512, 4 with AVX2)
# between the border outputs, with one filter per channel, as MobileNetV2's 3x3 and EfficientNet's 5x5 layers have.
depthwise_case("depthwise_k5_same_s1_wide", (1, 6, 29, 32), (5, 5))
depthwise_case("depthwise_k3_same_s2_wide", (1, 7, 41, 48), (3, 3), strides=(2, 2))
depthwise_case("depthwise_k3_same_d2_wide", (1, 6, 40, 20), (3, 3), dilation=(2, 2))

save_file(tensors, os.path.join(out_dir, "layer_gradients.safetensors"))
with open(os.path.join(out_dir, "layer_gradients.json"), "w") as f:
    json.dump(cases, f, indent=1, sort_keys=True)

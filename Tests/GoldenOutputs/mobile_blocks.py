#!/usr/bin/env python3
"""A tiny MobileNet-style model and its Keras references, written when the test runs (issue 14's layers).

    mobile_blocks.py OUT_DIR

Builds `mobile_blocks` with Keras 3 (15x13x3 input, ~3,000 parameters):

    stem_conv (3x3/2 'same', no bias) -> stem_bn -> stem_relu (ReLU(6.0))
    MobileNetV2's inverted residual: block_expand (1x1) -> bn -> ReLU(6.0) -> block_depthwise (3x3 'same', no bias)
        -> bn -> ReLU(6.0) -> block_project (1x1) -> bn, added to the stem's output (block_add)
    Xception's block: sep1 (SeparableConv2D 3x3 'same', no bias) -> bn -> relu -> sep2 (depth_multiplier 2, no bias)
        -> bn, added to a 1x1 shortcut's bn (sep_add)
    sep_d2_elu       SeparableConv2D 3x2 'valid', dilation 2, with bias and elu
    dw_s2_m2_swish   DepthwiseConv2D 3x3 stride 2 'same' (asymmetric on the 8x7 map), depth_multiplier 2, swish
    hard_swish       Activation
    dw_d2_gelu       DepthwiseConv2D 3x3 dilation 2 'same', gelu (its gradient reads the pre-activation)
    relu6            Activation
    pointwise_selu   Conv2D 1x1, selu
    hard_sigmoid     Activation
    se_squeeze -> se_reshape (Reshape to 1x1x12) -> se_expand (Conv2D 1x1, sigmoid) -> se_excite (Multiply, broadcast)
    gap -> dense_softplus (Dense, softplus) -> predictions (Dense, softmax)

gives every weight its seeded value (test_time_models.py), and writes, in the layout of the golden sets:

    OUT_DIR/mobile_blocks/k3.keras                  Keras 3 `model.save`
    OUT_DIR/mobile_blocks/k3_full.h5                Keras 3's legacy full-model HDF5 (weights matched by name)
    OUT_DIR/mobile_blocks/activations.safetensors   every layer's output on the golden cases normal, image, large
                                                    and odd (13x17), by activations.py's own worker
    OUT_DIR/mobile_blocks_train/                    case.json and reference.safetensors: TensorFlow's gradients of
                                                    the categorical cross-entropy, every layer trainable (BN on
                                                    batch statistics), by gradients.py's own run_case

One TensorFlow start, about 10 s. The model's name is not tiny_*: gradients.py reads those from the fixtures.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "training"))

from test_time_models import seed_weights, start_keras                   # noqa: E402
from activations import worker                              # noqa: E402
from gradients import case, run_case                        # noqa: E402

NAME = "mobile_blocks"


def build(keras):
    layers = keras.layers
    inputs = keras.Input((15, 13, 3), name="input_1")
    x = layers.Conv2D(8, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.ReLU(6.0, name="stem_relu")(x)
    y = layers.Conv2D(16, 1, use_bias=False, name="block_expand")(x)
    y = layers.BatchNormalization(name="block_expand_bn")(y)
    y = layers.ReLU(6.0, name="block_expand_relu")(y)
    y = layers.DepthwiseConv2D(3, padding="same", use_bias=False, name="block_depthwise")(y)
    y = layers.BatchNormalization(name="block_depthwise_bn")(y)
    y = layers.ReLU(6.0, name="block_depthwise_relu")(y)
    y = layers.Conv2D(8, 1, use_bias=False, name="block_project")(y)
    y = layers.BatchNormalization(name="block_project_bn")(y)
    x = layers.Add(name="block_add")([x, y])
    # Xception's block: separable convolutions without bias, each with its BatchNormalization, beside a 1x1 shortcut.
    s = layers.SeparableConv2D(12, 3, padding="same", use_bias=False, name="sep1")(x)
    s = layers.BatchNormalization(name="sep1_bn")(s)
    s = layers.Activation("relu", name="sep1_act")(s)
    s = layers.SeparableConv2D(12, 3, padding="same", depth_multiplier=2, use_bias=False, name="sep2")(s)
    s = layers.BatchNormalization(name="sep2_bn")(s)
    shortcut = layers.Conv2D(12, 1, use_bias=False, name="sep_shortcut")(x)
    shortcut = layers.BatchNormalization(name="sep_shortcut_bn")(shortcut)
    x = layers.Add(name="sep_add")([s, shortcut])
    x = layers.SeparableConv2D(10, (3, 2), padding="valid", dilation_rate=2, activation="elu", name="sep_d2_elu")(x)
    x = layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2, activation="swish", name="dw_s2_m2_swish")(x)
    x = layers.Activation("hard_swish", name="hard_swish")(x)
    x = layers.DepthwiseConv2D(3, padding="same", dilation_rate=2, activation="gelu", name="dw_d2_gelu")(x)
    x = layers.Activation("relu6", name="relu6")(x)
    x = layers.Conv2D(12, 1, activation="selu", name="pointwise_selu")(x)
    x = layers.Activation("hard_sigmoid", name="hard_sigmoid")(x)
    # EfficientNet's squeeze-and-excitation: a Reshape to 1x1, and a Multiply that broadcasts it over the map.
    se = layers.GlobalAveragePooling2D(name="se_squeeze")(x)
    se = layers.Reshape((1, 1, 12), name="se_reshape")(se)
    se = layers.Conv2D(12, 1, activation="sigmoid", name="se_expand")(se)
    x = layers.Multiply(name="se_excite")([x, se])
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dense(6, activation="softplus", name="dense_softplus")(x)
    outputs = layers.Dense(3, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=NAME)


def main():
    out = os.path.abspath(sys.argv[1])
    keras, _ = start_keras()
    model = build(keras)
    seed_weights(keras, model)
    os.makedirs(os.path.join(out, NAME), exist_ok=True)
    os.makedirs(os.path.join(out, ".work"), exist_ok=True)      # where the worker leaves its summary
    model.save(os.path.join(out, NAME, "k3.keras"))
    model.save(os.path.join(out, NAME, "k3_full.h5"))
    worker(out, out, [NAME], {}, {NAME: "small"})
    run_case(case(f"{NAME}_train", NAME), out, out)


if __name__ == "__main__":
    main()

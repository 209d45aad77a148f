#!/usr/bin/env python3
"""Reference generator for the Zoo converter tests.

Builds every test model with SEEDED random weights and writes it with Keras itself: the tiny models
(committed) and the narrow models (the full-size graphs at 1/8 of the widths) in every Keras checkpoint
format with what a converter must produce (`expected.safetensors`), the full-size models as Keras 3
`.keras` files (VGG16's also as tf-keras weights files) with no stored copy of their tensors.

    generate.py --out DIR [--only NAME,...] [--small-only]

--small-only writes the committed set (tiny models, special files); the default writes the cache's set
(narrow and full-size models and the architecture configs, mode "full"); --only writes the named models
(and/or `special`, `architectures`).

Output (names are a contract with the Swift tests; see README.md next to this file):

    DIR/<model>/tfk_weights.h5        tf-keras  model.save_weights("x.h5")      legacy weights-only layout
    DIR/<model>/tfk_full.h5           tf-keras  model.save("x.h5")              legacy full model
    DIR/<model>/k3_full.h5            Keras 3   model.save("x.h5")              legacy full model, Keras-3 config
    DIR/<model>/k3.weights.h5         Keras 3   model.save_weights("x.weights.h5")  v3 layout
    DIR/<model>/k3.keras              Keras 3   model.save("x.keras")           zip archive
    DIR/<model>/expected.safetensors  every weight, float32, named <layer>/<weight>, nested models flattened
                                      (tiny and narrow models; full-size models have only files_of(name))
    DIR/special/...                   Keras-1 style files, chunked attributes, bad inputs
    DIR/architectures/<arch>.json     Keras 3 config of a registry architecture written without weights
    DIR/architectures.json            [{"arch", "params", "trainable_params", "config"}] for those (CONFIG_ONLY)
    DIR/manifest.json, DIR/versions.json, DIR/.complete (written last)

The orchestrating process never imports TensorFlow. Each Keras stack runs in its own subprocess
(`--worker tfk|k3|special`): the tf-keras worker builds the model, draws the seeded weights, saves the
tf-keras files and hands the values to the Keras-3 worker through a temporary safetensors file; the
Keras-3 worker rebuilds the same architecture, loads the values by name, checks that names, shapes and
parameter counts agree, and saves the Keras-3 files plus expected.safetensors. A full-size model without
tf-keras files has its values drawn by the Keras-3 worker, which re-reads the files it wrote. The
orchestrator re-reads every other written file with h5py (the way a converter does) and checks it
against the expected tensors before moving the model directory into place.
"""

import argparse
import gc
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
import zlib

SEED = 20251129

# ----------------------------------------------------------------------------------------------------
# Model table
# ----------------------------------------------------------------------------------------------------

# name -> (arch registry name, exact total parameter count)
LARGE = {
    "vgg16": ("vgg16", 138_357_544),
    "vgg16_notop": ("vgg16-notop", 14_714_688),
    "vgg19": ("vgg19", 143_667_240),
    "vgg19_notop": ("vgg19-notop", 20_024_384),
    "resnet50": ("resnet50", 25_636_712),
    "resnet50_notop": ("resnet50-notop", 23_587_712),
    "tb_vgg16": ("tb-vgg16", 14_848_578),
    "tb_vgg19": ("tb-vgg19", 20_158_274),
    "tb_attention_vgg16": ("tb-attention-vgg16", 14_818_627),
    "melanoma_resnet50": ("melanoma-resnet50", 23_727_170),
    "densenet121": ("densenet121", 8_062_504),
}
# Registry architectures written without weights: keras.applications builds each one (input `input_1`),
# its count_params() is checked against the published figure, and its config is written to
# DIR/architectures/<arch>.json, listed in DIR/architectures.json with the count. The Swift tests compare
# the registry's definition with that config and its count; the numbers are checked layer by layer on
# the narrow twins (same graphs) and, for DenseNet121, on the full-size file. name -> (arch, params).
CONFIG_ONLY = {
    "densenet121_notop": ("densenet121-notop", 7_037_504),
    "densenet169": ("densenet169", 14_307_880),
    "densenet169_notop": ("densenet169-notop", 12_642_880),
    "densenet201": ("densenet201", 20_242_984),
    "densenet201_notop": ("densenet201-notop", 18_321_984),
    "resnet101": ("resnet101", 44_707_176),
    "resnet101_notop": ("resnet101-notop", 42_658_176),
    "resnet152": ("resnet152", 60_419_944),
    "resnet152_notop": ("resnet152-notop", 58_370_944),
    "resnet50v2": ("resnet50v2", 25_613_800),
    "resnet50v2_notop": ("resnet50v2-notop", 23_564_800),
}
# Narrow models: the full-size models' graphs (same layer names, classes and connections, checked
# against keras.applications / the notebook builders) with every width divided by NARROW_DIVISOR and a
# NARROW_SIZE x NARROW_SIZE input. They carry the format matrix (every Keras format, the Keras-1
# layout) at a few MB instead of the full-size models' 11 GB. name -> full-size counterpart.
NARROW = {f"narrow_{m}": m for m in list(LARGE) + ["densenet169", "densenet201", "resnet101", "resnet152", "resnet50v2"]}
NARROW_DIVISOR = 8
NARROW_SIZE = 64
SMALL = [
    "tiny_convs",
    "tiny_bn",
    "tiny_pools",
    "tiny_merges",
    "tiny_activations",
    "tiny_sequential",
    "tiny_nested",
    "tiny_vgg",
]
# Models compiled with Adam (optimizer variables built, never trained) before saving, like the
# notebooks' checkpoints: their full files carry training_config and optimizer weights.
COMPILED = {
    "tb_vgg16", "tb_vgg19", "tb_attention_vgg16", "melanoma_resnet50",
    "tiny_sequential", "tiny_nested",
} | {f"narrow_{m}" for m in ("tb_vgg16", "tb_vgg19", "tb_attention_vgg16", "melanoma_resnet50")}
# Keras-1 style weights files: file name -> source model (same seeded values, same expected tensors).
# vgg16_notop's is full size: the published notop file with a registry architecture, as users have it.
KERAS1 = {
    "narrow_vgg16_keras1.h5": "narrow_vgg16",
    "vgg16_notop_keras1.h5": "vgg16_notop",
    "tiny_vgg_keras1.h5": "tiny_vgg",
}
FILES = [
    # (file name, manifest format, weights_only)
    ("tfk_weights.h5", "tfk_weights", True),
    ("tfk_full.h5", "tfk_full", False),
    ("k3_full.h5", "k3_full", False),
    ("k3.weights.h5", "k3_weights", True),
    ("k3.keras", "k3_keras", False),
]
# Full-size models are written only as Keras 3 `.keras` files (every format is covered by the narrow
# models), plus the tf-keras weights files the registry-architecture conversions, the wrong-architecture
# test and the conversion benchmark (vgg16) read. They have no expected.safetensors: their bit-exactness
# is checked against the values Keras 3 loads from k3.keras when the check runs (check_converted.py).
LARGE_EXTRA_FILES = {"vgg16": {"tfk_weights.h5"}, "vgg16_notop": {"tfk_weights.h5"}}


def files_of(name):
    """The (file name, manifest format, weights_only) rows written for a model."""
    if name in LARGE:
        wanted = {"k3.keras"} | LARGE_EXTRA_FILES.get(name, set())
        return [row for row in FILES if row[0] in wanted]
    return list(FILES)


def expected_of(name):
    """What a conversion of the model is compared with: the stored tensors, or Keras' own load of k3.keras."""
    return f"{name}/k3.keras" if name in LARGE else f"{name}/expected.safetensors"


SHORT_NAMES = ["kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------------
# Architectures. `K` is the Keras module (tf_keras or keras); `legacy` is True for tf-keras.
# Each builder returns (model, names of tensors to keep as built instead of randomising).
# Inputs are named explicitly: tf-keras would call them input_1, input_2, ... and Keras 3
# input_layer, input_layer_1, ...; all other auto-generated names agree between the two.
# ----------------------------------------------------------------------------------------------------

def pylambda(src):
    """A lambda compiled under a fixed file name, so the marshalled bytecode Keras stores in the
    config does not embed this checkout's path."""
    return eval(compile(src, "<zoo-golden>", "eval"))


def _leaky(K, legacy, slope, **kw):
    if legacy:
        return K.layers.LeakyReLU(alpha=slope, **kw)
    return K.layers.LeakyReLU(negative_slope=slope, **kw)


def _w(width, narrow):
    """A layer width: as published, or divided for the narrow models (at least 1)."""
    return max(1, width // NARROW_DIVISOR) if narrow else width


def narrow_vgg(K, which, include_top, input_tensor):
    """keras.applications.VGG16/VGG19's graph (its layer names and order) with narrow widths."""
    L = K.layers
    convs = {"vgg16": [2, 2, 3, 3, 3], "vgg19": [2, 2, 4, 4, 4]}[which]
    x = input_tensor
    for b, (width, n) in enumerate(zip([64, 128, 256, 512, 512], convs), start=1):
        for i in range(1, n + 1):
            x = L.Conv2D(_w(width, True), (3, 3), activation="relu", padding="same", name=f"block{b}_conv{i}")(x)
        x = L.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{b}_pool")(x)
    if include_top:
        x = L.Flatten(name="flatten")(x)
        x = L.Dense(_w(4096, True), activation="relu", name="fc1")(x)
        x = L.Dense(_w(4096, True), activation="relu", name="fc2")(x)
        x = L.Dense(_w(1000, True), activation="softmax", name="predictions")(x)
    return K.Model(input_tensor, x, name=which)


# Blocks per stage of keras.applications' ResNets (resnet.py, resnet_v2.py) and DenseNets (densenet.py).
RESNET_STAGES = {"resnet50": [3, 4, 6, 3], "resnet101": [3, 4, 23, 3], "resnet152": [3, 8, 36, 3],
                 "resnet50v2": [3, 4, 6, 3]}
DENSENET_BLOCKS = {"densenet121": [6, 12, 24, 16], "densenet169": [6, 12, 32, 32], "densenet201": [6, 12, 48, 32]}
_BN = {"axis": 3, "epsilon": 1.001e-5}


def narrow_resnet(K, which, include_top, input_tensor):
    """keras.applications' ResNet50/101/152 (v1) or ResNet50V2 graph (layer names and order) with narrow widths."""
    L = K.layers
    v2 = which.endswith("v2")

    def block_v1(x, filters, stride, conv_shortcut, name):
        if conv_shortcut:
            shortcut = L.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
            shortcut = L.BatchNormalization(**_BN, name=f"{name}_0_bn")(shortcut)
        else:
            shortcut = x
        x = L.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
        x = L.BatchNormalization(**_BN, name=f"{name}_1_bn")(x)
        x = L.Activation("relu", name=f"{name}_1_relu")(x)
        x = L.Conv2D(filters, 3, padding="SAME", name=f"{name}_2_conv")(x)
        x = L.BatchNormalization(**_BN, name=f"{name}_2_bn")(x)
        x = L.Activation("relu", name=f"{name}_2_relu")(x)
        x = L.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
        x = L.BatchNormalization(**_BN, name=f"{name}_3_bn")(x)
        x = L.Add(name=f"{name}_add")([shortcut, x])
        return L.Activation("relu", name=f"{name}_out")(x)

    def block_v2(x, filters, stride, conv_shortcut, name):
        preact = L.BatchNormalization(**_BN, name=f"{name}_preact_bn")(x)
        preact = L.Activation("relu", name=f"{name}_preact_relu")(preact)
        if conv_shortcut:
            shortcut = L.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(preact)
        else:
            shortcut = L.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
        x = L.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
        x = L.BatchNormalization(**_BN, name=f"{name}_1_bn")(x)
        x = L.Activation("relu", name=f"{name}_1_relu")(x)
        x = L.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
        x = L.Conv2D(filters, 3, strides=stride, use_bias=False, name=f"{name}_2_conv")(x)
        x = L.BatchNormalization(**_BN, name=f"{name}_2_bn")(x)
        x = L.Activation("relu", name=f"{name}_2_relu")(x)
        x = L.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
        return L.Add(name=f"{name}_out")([shortcut, x])

    x = L.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(input_tensor)
    x = L.Conv2D(_w(64, True), 7, strides=2, use_bias=True, name="conv1_conv")(x)
    if not v2:
        x = L.BatchNormalization(**_BN, name="conv1_bn")(x)
        x = L.Activation("relu", name="conv1_relu")(x)
    x = L.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = L.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for stage, (filters, blocks) in enumerate(zip([64, 128, 256, 512], RESNET_STAGES[which]), start=2):
        for i in range(1, blocks + 1):
            name = f"conv{stage}_block{i}"
            if v2:   # v2 downsamples in the stage's last block (not in conv5), v1 in its first (not in conv2)
                stride = 2 if i == blocks and stage < 5 else 1
                x = block_v2(x, _w(filters, True), stride, i == 1, name)
            else:
                x = block_v1(x, _w(filters, True), 2 if i == 1 and stage > 2 else 1, i == 1, name)
    if v2:
        x = L.BatchNormalization(**_BN, name="post_bn")(x)
        x = L.Activation("relu", name="post_relu")(x)
    if include_top:
        x = L.GlobalAveragePooling2D(name="avg_pool")(x)
        x = L.Dense(_w(1000, True), activation="softmax", name="predictions")(x)
    return K.Model(input_tensor, x, name=which)


def narrow_densenet(K, which, include_top, input_tensor):
    """keras.applications' DenseNet121/169/201 graph (layer names and order) with narrow widths (growth rate 4)."""
    L = K.layers
    growth = _w(32, True)

    def conv_block(x, name):
        x1 = L.BatchNormalization(**_BN, name=f"{name}_0_bn")(x)
        x1 = L.Activation("relu", name=f"{name}_0_relu")(x1)
        x1 = L.Conv2D(4 * growth, 1, use_bias=False, name=f"{name}_1_conv")(x1)
        x1 = L.BatchNormalization(**_BN, name=f"{name}_1_bn")(x1)
        x1 = L.Activation("relu", name=f"{name}_1_relu")(x1)
        x1 = L.Conv2D(growth, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(x1)
        return L.Concatenate(axis=3, name=f"{name}_concat")([x, x1])

    def transition_block(x, name):
        x = L.BatchNormalization(**_BN, name=f"{name}_bn")(x)
        x = L.Activation("relu", name=f"{name}_relu")(x)
        x = L.Conv2D(int(x.shape[3] * 0.5), 1, use_bias=False, name=f"{name}_conv")(x)
        return L.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)

    x = L.ZeroPadding2D(padding=((3, 3), (3, 3)))(input_tensor)
    x = L.Conv2D(_w(64, True), 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = L.BatchNormalization(**_BN, name="conv1_bn")(x)
    x = L.Activation("relu", name="conv1_relu")(x)
    x = L.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = L.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, blocks in enumerate(DENSENET_BLOCKS[which], start=2):
        for i in range(1, blocks + 1):
            x = conv_block(x, f"conv{stage}_block{i}")
        if stage < 5:
            x = transition_block(x, f"pool{stage}")
    x = L.BatchNormalization(**_BN, name="bn")(x)
    x = L.Activation("relu", name="relu")(x)
    if include_top:
        x = L.GlobalAveragePooling2D(name="avg_pool")(x)
        x = L.Dense(_w(1000, True), activation="softmax", name="predictions")(x)
    return K.Model(input_tensor, x, name=which)


def application(K, which, include_top, input_tensor, narrow):
    """keras.applications' VGG16 / VGG19 / ResNet / DenseNet without weights, or its narrow twin."""
    if narrow:
        if which in RESNET_STAGES:
            return narrow_resnet(K, which, include_top, input_tensor)
        if which in DENSENET_BLOCKS:
            return narrow_densenet(K, which, include_top, input_tensor)
        return narrow_vgg(K, which, include_top, input_tensor)
    A = K.applications
    ctor = {"vgg16": A.VGG16, "vgg19": A.VGG19, "resnet50": A.ResNet50, "resnet101": A.ResNet101,
            "resnet152": A.ResNet152, "resnet50v2": A.ResNet50V2, "densenet121": A.DenseNet121,
            "densenet169": A.DenseNet169, "densenet201": A.DenseNet201}[which]
    return ctor(weights=None, include_top=include_top, input_tensor=input_tensor,
                input_shape=tuple(input_tensor.shape[1:]))


def build_app(K, legacy, which, include_top, narrow=False):
    size = NARROW_SIZE if narrow else 224
    inp = K.Input((size, size, 3), name="input_1")
    return application(K, which, include_top, inp, narrow), set()


def build_tb(K, legacy, base, narrow=False):
    """The notebooks' VGG16-TB / VGG19-TB (docs/notebooks.md)."""
    L = K.layers
    size = NARROW_SIZE if narrow else 512
    img_shape = (size, size, 3)
    inputs = K.Input(img_shape, name="input_1")
    base_model = application(K, base, False, K.Input(img_shape, name="input_2"), narrow)
    base_model.trainable = False
    outputs = base_model(inputs)
    outputs = L.BatchNormalization(name="BatchNormalization")(outputs)
    outputs = L.GlobalAveragePooling2D()(outputs)
    outputs = L.Dropout(0.5)(outputs)
    outputs = L.Dense(_w(256, narrow))(outputs)
    outputs = _leaky(K, legacy, 0.1)(outputs)
    outputs = L.Dropout(0.25)(outputs)
    outputs = L.Dense(2, activation="softmax")(outputs)
    return K.Model(inputs=[inputs], outputs=[outputs]), set()


def build_tb_attention(K, legacy, narrow=False):
    """The notebooks' Attention-VGG16-TB (docs/notebooks.md)."""
    import numpy as np
    L = K.layers
    size = NARROW_SIZE if narrow else 512
    img_shape = (size, size, 3)
    inputs = K.Input(img_shape, name="input_1")
    vgg16 = application(K, "vgg16", False, K.Input(img_shape, name="input_2"), narrow)
    vgg16.trainable = False
    vgg16_depth = _w(512, narrow)
    vgg16_outputs = vgg16(inputs)
    bn_outputs = L.BatchNormalization(name="BatchNormalization")(vgg16_outputs)
    atten = L.Conv2D(_w(64, narrow), (1, 1), padding="same", activation="relu")(bn_outputs)
    atten = L.Conv2D(_w(32, narrow), (1, 1), padding="same", activation="relu")(atten)
    atten = L.Conv2D(_w(16, narrow), (1, 1), padding="same", activation="relu")(atten)
    atten = L.Conv2D(1, (1, 1), padding="valid", activation="sigmoid")(atten)
    ones = np.ones((1, 1, 1, vgg16_depth), dtype="float32")
    if legacy:
        up = L.Conv2D(vgg16_depth, (1, 1), padding="same", activation="linear", use_bias=False,
                      weights=[ones])
    else:  # Keras 3 layers take no `weights=` argument; the ones are loaded by name afterwards
        up = L.Conv2D(vgg16_depth, (1, 1), padding="same", activation="linear", use_bias=False)
    up.trainable = False
    atten = up(atten)
    multiply_outputs = L.multiply([atten, bn_outputs], name="Multiply")
    gap_features = L.GlobalAveragePooling2D()(multiply_outputs)
    gap_mask = L.GlobalAveragePooling2D()(atten)
    if legacy:
        outputs = L.Lambda(pylambda("lambda x: x[0]/x[1]"), name="RescaleGAP")([gap_features, gap_mask])
    else:
        outputs = L.Lambda(pylambda("lambda x: x[0]/x[1]"), output_shape=(vgg16_depth,),
                           name="RescaleGAP")([gap_features, gap_mask])
    outputs = L.Dropout(0.5)(outputs)
    outputs = L.Dense(_w(128, narrow), activation="elu")(outputs)
    outputs = L.Dropout(0.25)(outputs)
    outputs = L.Dense(2, activation="softmax")(outputs)
    model = K.Model(inputs=[inputs], outputs=[outputs])
    if not legacy:
        up.set_weights([ones])
    return model, {f"{up.name}/kernel"}


def build_melanoma(K, legacy, narrow=False):
    """The notebooks' ResNet50-Melanoma, final version (flat graph; docs/notebooks.md)."""
    L = K.layers
    size = NARROW_SIZE if narrow else 224
    img_shape = (size, size, 3)
    resnet50 = application(K, "resnet50", False, K.Input(img_shape, name="input_1"), narrow)
    outputs = resnet50.output
    outputs = L.BatchNormalization()(outputs)
    outputs = L.GlobalAveragePooling2D()(outputs)
    outputs = L.Dropout(0.5)(outputs)
    outputs = L.Dense(_w(64, narrow), activation="relu", kernel_regularizer=K.regularizers.l2(0.001))(outputs)
    outputs = L.Dropout(0.5)(outputs)
    outputs = L.Dense(2, activation="softmax")(outputs)
    model = K.Model(inputs=resnet50.input, outputs=outputs)
    for layer in resnet50.layers:
        layer.trainable = False
    return model, set()


def build_tiny_convs(K, legacy):
    L = K.layers
    inp = K.Input((15, 15, 3), name="input_1")
    c1 = L.Conv2D(4, 3, padding="valid", activation="relu", name="conv_valid_relu")(inp)      # 13x13
    c2 = L.Conv2D(4, 3, padding="same", activation="sigmoid", name="conv_same_sigmoid")(c1)   # 13x13
    c3 = L.Conv2D(6, 3, strides=2, padding="same", activation="linear",
                  name="conv_s2_same_linear")(c2)                                             # 7x7
    c4 = L.Conv2D(5, (2, 3), strides=2, padding="valid", activation="tanh",
                  name="conv_s2_valid_tanh")(c3)                                              # 3x3
    c5 = L.Conv2D(5, 3, dilation_rate=2, padding="same", use_bias=False, activation="elu",
                  name="conv_dil2_nobias_elu")(c3)                                            # 7x7
    c6 = L.Conv2D(3, 1, activation="softmax", name="conv_1x1_softmax")(c5)                   # 7x7
    c7 = L.Conv2D(4, 4, strides=(2, 1), padding="same", name="conv_k4_s21_same")(c2)         # 7x13
    c8 = L.Conv2D(3, (3, 1), dilation_rate=(2, 1), padding="valid", activation="relu",
                  name="conv_dil21_valid")(c7)                                                # 3x13
    f = L.Flatten(name="flatten")(c4)
    g6 = L.GlobalAveragePooling2D(name="gap_c6")(c6)
    g8 = L.GlobalAveragePooling2D(name="gap_c8")(c8)
    cat = L.Concatenate(name="concat")([f, g6, g8])
    out = L.Dense(5, activation="softmax", name="predictions")(cat)
    return K.Model(inp, out, name="tiny_convs"), set()


def build_tiny_bn(K, legacy):
    L = K.layers
    inp = K.Input((9, 9, 3), name="input_1")
    x = L.Conv2D(6, 3, padding="same", name="conv")(inp)
    x = L.BatchNormalization(name="bn_default")(x)
    x = L.BatchNormalization(center=False, name="bn_no_center")(x)
    x = L.BatchNormalization(scale=False, name="bn_no_scale")(x)
    x = L.BatchNormalization(epsilon=0.01, name="bn_eps_1e-2")(x)
    x = L.BatchNormalization(axis=3, epsilon=1.001e-5, name="bn_axis3_resnet_eps")(x)
    x = L.ReLU(name="relu")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    x = L.Dense(8, name="dense_hidden")(x)
    x = L.BatchNormalization(center=False, scale=False, epsilon=1e-5, name="bn_dense_plain")(x)
    out = L.Dense(3, activation="softmax", name="predictions")(x)
    return K.Model(inp, out, name="tiny_bn"), set()


def build_tiny_pools(K, legacy):
    L = K.layers
    inp = K.Input((11, 11, 3), name="input_1")
    z = L.ZeroPadding2D(((1, 2), (0, 3)), name="zpad_asym")(inp)                          # 14x14
    c = L.Conv2D(4, 3, activation="relu", name="conv")(z)                                  # 12x12
    m1 = L.MaxPooling2D(2, name="maxpool_2_valid")(c)                                      # 6x6
    m2 = L.MaxPooling2D(3, strides=2, padding="same", name="maxpool_3s2_same")(c)          # 6x6
    a1 = L.AveragePooling2D(2, padding="valid", name="avgpool_2_valid")(c)                 # 6x6
    a2 = L.AveragePooling2D(3, strides=2, padding="same", name="avgpool_3s2_same")(c)      # 6x6
    cat = L.Concatenate(name="concat_pools")([m1, m2, a1, a2])                             # 6x6x16
    a3 = L.AveragePooling2D((3, 2), strides=(2, 3), padding="same", name="avgpool_32_same")(cat)  # 3x2
    m3 = L.MaxPooling2D((2, 3), strides=(1, 2), padding="valid", name="maxpool_23_valid")(cat)    # 5x2
    zs = L.ZeroPadding2D(1, name="zpad_sym")(m3)
    gm = L.GlobalMaxPooling2D(name="gmp")(zs)
    ga = L.GlobalAveragePooling2D(name="gap")(cat)
    fl = L.Flatten(name="flatten")(a3)
    out = L.Dense(4, name="predictions")(L.Concatenate(name="concat_heads")([gm, ga, fl]))
    return K.Model(inp, out, name="tiny_pools"), set()


def build_tiny_merges(K, legacy):
    L = K.layers
    inp = K.Input((6, 6, 3), name="input_1")
    a = L.Conv2D(4, 1, name="branch_a")(inp)
    b = L.Conv2D(4, 1, name="branch_b")(inp)
    m = L.Conv2D(1, 1, activation="sigmoid", name="mask_1ch")(inp)
    add = L.Add(name="add")([a, b])
    sub = L.Subtract(name="subtract")([a, b])
    mulb = L.Multiply(name="multiply_broadcast")([a, m])       # (6,6,4) * (6,6,1)
    mul = L.Multiply(name="multiply")([a, b])
    mx = L.Maximum(name="maximum3")([a, b, add])
    av = L.Average(name="average")([a, b])
    cat = L.Concatenate(name="concat_channels")([add, sub, mulb, mul, mx, av])   # 6x6x24
    cat1 = L.Concatenate(axis=1, name="concat_axis1")([a, b])                     # 12x6x4
    g1 = L.GlobalAveragePooling2D(name="gap_channels")(cat)
    g2 = L.GlobalMaxPooling2D(name="gmp_axis1")(cat1)
    out = L.Dense(3, activation="softmax", name="predictions")(L.Concatenate(name="concat_heads")([g1, g2]))
    return K.Model(inp, out, name="tiny_merges"), set()


def build_tiny_activations(K, legacy):
    L = K.layers
    inp = K.Input((10,), name="input_1")
    d = L.Dense(8, name="dense_in")(inp)
    outs = [
        L.Activation("relu", name="act_relu")(d),
        L.Activation("sigmoid", name="act_sigmoid")(d),
        L.Activation("tanh", name="act_tanh")(d),
        L.Activation("softmax", name="act_softmax")(d),
        L.Activation("elu", name="act_elu")(d),
        L.Activation("linear", name="act_linear")(d),
        L.ReLU(name="relu")(d),
        L.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2, name="relu_params")(d),
        _leaky(K, legacy, 0.2, name="leaky_relu")(d),
        L.ELU(alpha=0.7, name="elu")(d),
        L.Softmax(name="softmax")(d),
        L.Dropout(0.3, name="dropout")(d),
        L.Dense(4, activation="relu", name="dense_relu")(d),
        L.Dense(4, activation="sigmoid", name="dense_sigmoid")(d),
        L.Dense(4, activation="tanh", name="dense_tanh")(d),
        L.Dense(4, activation="elu", name="dense_elu")(d),
        L.Dense(4, use_bias=False, name="dense_nobias")(d),
    ]
    cat = L.Concatenate(name="concat")(outs)
    out = L.Dense(4, activation="softmax", name="predictions")(cat)
    return K.Model(inp, out, name="tiny_activations"), set()


def build_tiny_sequential(K, legacy):
    """A Sequential model with auto-generated layer names."""
    L = K.layers
    return K.Sequential([
        K.Input((12, 12, 3), name="input_1"),
        L.Conv2D(4, 3, activation="relu"),
        L.BatchNormalization(),
        L.MaxPooling2D(),
        L.Conv2D(6, 3, padding="same"),
        L.Activation("relu"),
        L.GlobalAveragePooling2D(),
        L.Dropout(0.2),
        L.Dense(8, activation="relu"),
        L.Dense(3, activation="softmax"),
    ]), set()


def build_tiny_nested(K, legacy):
    """Functional model with a nested Functional (partly frozen) and two nested Sequentials."""
    L = K.layers
    ii = K.Input((8, 8, 4), name="inner_in")
    a = L.Conv2D(4, 3, padding="same", name="inner_conv1")(ii)
    a = L.BatchNormalization(name="inner_bn")(a)
    a = L.ReLU(name="inner_relu")(a)
    a = L.Conv2D(4, 1, name="inner_conv2")(a)
    a = L.Add(name="inner_add")([ii, a])
    inner = K.Model(ii, a, name="inner_block")
    inner.get_layer("inner_conv1").trainable = False      # frozen layer inside the nested model

    seq = K.Sequential([
        K.Input((4,), name="seq_in"),
        L.Dense(6, activation="relu", name="seq_dense1"),
        L.Dropout(0.1, name="seq_dropout"),
        L.Dense(5, name="seq_dense2"),
    ], name="head_seq")
    lazy = K.Sequential([                                  # no Input: built when first called
        L.Dense(3, name="lazy_dense"),
        L.BatchNormalization(name="lazy_bn"),
    ], name="lazy_seq")

    x_in = K.Input((8, 8, 3), name="input_1")
    x = L.Conv2D(4, 3, padding="same", activation="relu", name="stem_conv")(x_in)
    x = inner(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    x = seq(x)
    x = lazy(x)
    out = L.Softmax(name="probs")(x)
    return K.Model(x_in, out, name="tiny_nested"), set()


def build_tiny_vgg(K, legacy):
    """VGG16's layer names and structure with tiny widths (for the Keras-1 style fixture)."""
    L = K.layers
    inp = K.Input((32, 32, 3), name="input_1")
    x = inp
    widths = [2, 4, 4, 6, 6]
    convs = [2, 2, 3, 3, 3]
    for b, (w, n) in enumerate(zip(widths, convs), start=1):
        for i in range(1, n + 1):
            x = L.Conv2D(w, (3, 3), activation="relu", padding="same", name=f"block{b}_conv{i}")(x)
        x = L.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{b}_pool")(x)
    x = L.Flatten(name="flatten")(x)
    x = L.Dense(8, activation="relu", name="fc1")(x)
    x = L.Dense(8, activation="relu", name="fc2")(x)
    x = L.Dense(5, activation="softmax", name="predictions")(x)
    return K.Model(inp, x, name="vgg16"), set()


BUILDERS = {
    "vgg16": lambda K, lg: build_app(K, lg, "vgg16", True),
    "vgg16_notop": lambda K, lg: build_app(K, lg, "vgg16", False),
    "vgg19": lambda K, lg: build_app(K, lg, "vgg19", True),
    "vgg19_notop": lambda K, lg: build_app(K, lg, "vgg19", False),
    "resnet50": lambda K, lg: build_app(K, lg, "resnet50", True),
    "resnet50_notop": lambda K, lg: build_app(K, lg, "resnet50", False),
    "tb_vgg16": lambda K, lg: build_tb(K, lg, "vgg16"),
    "tb_vgg19": lambda K, lg: build_tb(K, lg, "vgg19"),
    "tb_attention_vgg16": build_tb_attention,
    "melanoma_resnet50": build_melanoma,
    "tiny_convs": build_tiny_convs,
    "tiny_bn": build_tiny_bn,
    "tiny_pools": build_tiny_pools,
    "tiny_merges": build_tiny_merges,
    "tiny_activations": build_tiny_activations,
    "tiny_sequential": build_tiny_sequential,
    "tiny_nested": build_tiny_nested,
    "tiny_vgg": build_tiny_vgg,
}
BUILDERS.update({
    "narrow_vgg16": lambda K, lg: build_app(K, lg, "vgg16", True, narrow=True),
    "narrow_vgg16_notop": lambda K, lg: build_app(K, lg, "vgg16", False, narrow=True),
    "narrow_vgg19": lambda K, lg: build_app(K, lg, "vgg19", True, narrow=True),
    "narrow_vgg19_notop": lambda K, lg: build_app(K, lg, "vgg19", False, narrow=True),
    "narrow_resnet50": lambda K, lg: build_app(K, lg, "resnet50", True, narrow=True),
    "narrow_resnet50_notop": lambda K, lg: build_app(K, lg, "resnet50", False, narrow=True),
    "narrow_tb_vgg16": lambda K, lg: build_tb(K, lg, "vgg16", narrow=True),
    "narrow_tb_vgg19": lambda K, lg: build_tb(K, lg, "vgg19", narrow=True),
    "narrow_tb_attention_vgg16": lambda K, lg: build_tb_attention(K, lg, narrow=True),
    "narrow_melanoma_resnet50": lambda K, lg: build_melanoma(K, lg, narrow=True),
})
# The application families added with issue 14: full size (the narrow twins' counterparts and the
# config-only architectures) and narrow, with and without top.
for _family in list(DENSENET_BLOCKS) + ["resnet101", "resnet152", "resnet50v2"]:
    BUILDERS[_family] = lambda K, lg, f=_family: build_app(K, lg, f, True)
    BUILDERS[f"{_family}_notop"] = lambda K, lg, f=_family: build_app(K, lg, f, False)
    BUILDERS[f"narrow_{_family}"] = lambda K, lg, f=_family: build_app(K, lg, f, True, narrow=True)
assert set(BUILDERS) == set(LARGE) | set(SMALL) | set(NARROW) | set(CONFIG_ONLY)


# ----------------------------------------------------------------------------------------------------
# Seeded weights
# ----------------------------------------------------------------------------------------------------

def draw(name, shape):
    """Deterministic value for tensor `name` (`<layer>/<short>`) of `shape`, independent of order."""
    import numpy as np
    short = name.rsplit("/", 1)[1]
    shape = tuple(int(s) for s in shape)
    rng = np.random.default_rng([SEED, zlib.crc32(name.encode()), zlib.crc32(repr(shape).encode())])
    if short == "kernel":
        fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
        v = rng.standard_normal(shape, dtype=np.float32) * np.float32(np.sqrt(2.0 / max(fan_in, 1)))
    elif short == "bias":
        v = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.1)
    elif short == "gamma":
        v = rng.uniform(0.5, 1.5, shape)
    elif short == "beta":
        v = rng.standard_normal(shape) * 0.1
    elif short == "moving_mean":
        v = rng.standard_normal(shape) * 0.5
    elif short == "moving_variance":
        v = rng.uniform(0.5, 2.0, shape)
    else:
        raise ValueError(f"no distribution for weight {name!r}")
    return np.ascontiguousarray(v, dtype=np.float32)


# ----------------------------------------------------------------------------------------------------
# Helpers used inside the workers (they work with both tf_keras and keras)
# ----------------------------------------------------------------------------------------------------

def is_model(K, layer):
    return isinstance(layer, K.Model)


def layer_tree(K, model):
    """Nested list of layer names: [name, ...] with sub-models as [name, [children]]."""
    out = []
    for layer in model.layers:
        if is_model(K, layer):
            out.append([layer.name, layer_tree(K, layer)])
        else:
            out.append(layer.name)
    return out


def leaf_layers(K, model):
    for layer in model.layers:
        if is_model(K, layer):
            yield from leaf_layers(K, layer)
        else:
            yield layer


def short_name(w, legacy):
    n = w.name
    if legacy:
        n = n.split(":")[0].split("/")[-1]
    if n not in SHORT_NAMES:
        raise RuntimeError(f"unexpected weight name {w.name!r}")
    return n


def named_weights(K, model, legacy):
    """[(layer, [(tensor name, variable), ...]), ...] over the flattened leaf layers."""
    out, seen = [], set()
    for layer in leaf_layers(K, model):
        ws = []
        for w in layer.weights:
            tname = f"{layer.name}/{short_name(w, legacy)}"
            if tname in seen:
                raise RuntimeError(f"duplicate tensor name {tname!r} after flattening")
            seen.add(tname)
            ws.append((tname, w))
        out.append((layer, ws))
    return out


def atomic_keras_save(fn, final_path, suffix):
    """Call fn(tmp_path) and rename tmp_path to final_path. tmp_path keeps Keras' required suffix."""
    d = os.path.dirname(final_path)
    tmp = os.path.join(d, f".tmp-{os.getpid()}-{os.path.basename(final_path)[:-len(suffix)]}{suffix}")
    if os.path.exists(tmp):
        os.remove(tmp)
    fn(tmp)
    os.replace(tmp, final_path)


def save_safetensors(tensors, path, metadata=None):
    from safetensors.numpy import save_file
    tmp = path + f".tmp-{os.getpid()}"
    save_file(tensors, tmp, metadata=metadata)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def compile_with_optimizer(model):
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.optimizer.build(model.trainable_variables)


def quiet_tf():
    import logging
    import warnings
    warnings.filterwarnings("ignore")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    try:
        import absl.logging
        absl.logging.set_verbosity(absl.logging.ERROR)
    except Exception:
        pass


# ----------------------------------------------------------------------------------------------------
# Workers
# ----------------------------------------------------------------------------------------------------

def draw_into(K, model, keep, legacy):
    """Give every weight of `model` its seeded value (tensors in `keep` stay as built and must be all
    ones); returns ({tensor name: value}, {tensor name: shape})."""
    import numpy as np
    tensors, shapes = {}, {}
    for layer, ws in named_weights(K, model, legacy):
        if not ws:
            continue
        values = []
        for tname, w in ws:
            shape = tuple(int(s) for s in w.shape)
            v = np.asarray(w.numpy(), dtype=np.float32) if tname in keep else draw(tname, shape)
            tensors[tname] = v
            shapes[tname] = list(shape)
            values.append(v)
        layer.set_weights(values)
    for tname in keep:
        if tname not in tensors:
            raise RuntimeError(f"kept tensor {tname} does not exist")
        if not np.all(tensors[tname] == 1.0):
            raise RuntimeError(f"{tname} was expected to be all ones")
    return tensors, shapes


def trainable_count(model):
    import numpy as np
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def check_params(name, params, shapes, stack):
    import numpy as np
    if params != sum(int(np.prod(s)) for s in shapes.values()):
        raise RuntimeError(f"{name}: count_params {params} != sum of tensor sizes")
    if name in LARGE and params != LARGE[name][1]:
        raise RuntimeError(f"{name}: {stack} parameter count {params:,} != expected {LARGE[name][1]:,}")


def worker_configs(staging):
    """Keras 3: the config-only architectures' configs and parameter counts (DIR/architectures/)."""
    os.environ.pop("TF_USE_LEGACY_KERAS", None)
    os.environ["KERAS_BACKEND"] = "tensorflow"
    quiet_tf()
    import keras as K
    d = os.path.join(staging, "architectures")
    os.makedirs(d, exist_ok=True)
    index = []
    for name, (arch, published) in CONFIG_ONLY.items():
        t0 = time.time()
        K.backend.clear_session()
        gc.collect()
        model, _ = BUILDERS[name](K, False)
        params = int(model.count_params())
        if params != published:
            raise RuntimeError(f"{name}: Keras 3 parameter count {params:,} != published {published:,}")
        write_json(os.path.join(d, f"{arch}.json"), json.loads(model.to_json()))
        index.append({"arch": arch, "params": params, "trainable_params": trainable_count(model),
                      "config": f"architectures/{arch}.json"})
        del model
        log(f"    keras 3  {name}: config, {params:,} params, {time.time() - t0:.1f}s")
    write_json(os.path.join(staging, "architectures.json"), index)


def worker_tfk(models, staging, work):
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    quiet_tf()
    import tf_keras as K
    for name in models:
        t0 = time.time()
        K.backend.clear_session()
        gc.collect()
        model, keep = BUILDERS[name](K, True)
        tensors, shapes = draw_into(K, model, keep, True)
        params = int(model.count_params())
        check_params(name, params, shapes, "tf-keras")
        if name in COMPILED:
            compile_with_optimizer(model)
        d = os.path.join(staging, name)
        os.makedirs(d, exist_ok=True)
        wanted = {fn for fn, _, _ in files_of(name)}
        if "tfk_weights.h5" in wanted:
            atomic_keras_save(lambda p: model.save_weights(p), os.path.join(d, "tfk_weights.h5"), ".h5")
        if "tfk_full.h5" in wanted:
            atomic_keras_save(lambda p: model.save(p), os.path.join(d, "tfk_full.h5"), ".h5")
        save_safetensors(tensors, os.path.join(work, f"{name}.safetensors"))
        info = {"layers": layer_tree(K, model), "params": params, "shapes": shapes,
                "trainable_params": trainable_count(model)}
        with open(os.path.join(work, f"{name}.json"), "w") as f:
            json.dump(info, f)
        del model, tensors
        K.backend.clear_session()
        gc.collect()
        log(f"    tf-keras {name}: {params:,} params, {time.time() - t0:.1f}s")


def topology(config):
    """A Keras 3 model config without what a narrow model changes: widths, input sizes, the model's
    own auto-generated name, and the build/output shapes derived from them. Input and output layer
    references are reduced to layer names (a single input is written as [name, 0, 0] by some builders
    and [[name, 0, 0]] by others)."""
    drop = {"filters", "units", "batch_shape", "batch_input_shape", "build_config", "output_shape", "shape"}
    if isinstance(config, dict):
        out = {}
        for k, v in config.items():
            if k in drop:
                continue
            if k in ("input_layers", "output_layers"):
                out[k] = [x for x in json.dumps(v).replace('"', " ").replace(",", " ").replace("[", " ")
                          .replace("]", " ").split() if not x.isdigit()]
            else:
                out[k] = topology(v)
        return out
    if isinstance(config, (list, tuple)):
        return [topology(v) for v in config]
    return config


def full_size_topology(K, name):
    """topology() of the narrow model's full-size counterpart, built in a fresh session (so that its
    auto-generated layer names are the first ones, as in the narrow model built next)."""
    K.backend.clear_session()
    full, _ = BUILDERS[NARROW[name]](K, False)
    config = topology(full.get_config())
    config.pop("name", None)
    del full
    K.backend.clear_session()
    gc.collect()
    return config


def check_narrow_topology(name, model, reference):
    """The narrow model has its full-size counterpart's graph: layer names, classes, arguments and
    connections, nested models included; only widths and input sizes differ."""
    config = topology(model.get_config())
    config.pop("name", None)
    if config != reference:
        pairs = zip(config.get("layers", []), reference.get("layers", []))
        first = next((x for x, y in pairs if x != y), None)
        raise RuntimeError(f"{name}: graph differs from {NARROW[name]}'s; first differing layer config: "
                           f"{json.dumps(first)[:400]}")


def worker_k3(models, staging, work):
    """Keras 3 files. A model the tf-keras worker wrote gets the tf-keras values loaded by name (and
    names, shapes and counts checked against tf-keras'); a full-size model without tf-keras files draws
    the same seeded values itself."""
    os.environ.pop("TF_USE_LEGACY_KERAS", None)
    os.environ["KERAS_BACKEND"] = "tensorflow"
    quiet_tf()
    import numpy as np
    import keras as K
    from safetensors.numpy import load_file
    for name in models:
        t0 = time.time()
        reference = full_size_topology(K, name) if name in NARROW else None
        K.backend.clear_session()
        gc.collect()
        model, keep = BUILDERS[name](K, False)
        if name in NARROW:
            check_narrow_topology(name, model, reference)
        nw = named_weights(K, model, False)
        info_path = os.path.join(work, f"{name}.json")
        if os.path.exists(info_path):
            with open(info_path) as f:
                info = json.load(f)
            src = load_file(os.path.join(work, f"{name}.safetensors"))
            tree = layer_tree(K, model)
            if tree != info["layers"]:
                raise RuntimeError(f"{name}: layer names differ between tf-keras and Keras 3:\n"
                                   f"  tf-keras: {info['layers']}\n  keras 3:  {tree}")
            k3_shapes = {t: [int(s) for s in w.shape] for _, ws in nw for t, w in ws}
            if k3_shapes != info["shapes"]:
                a, b = set(k3_shapes), set(info["shapes"])
                raise RuntimeError(f"{name}: tensor names/shapes differ: only tf-keras {sorted(b - a)[:10]}, "
                                   f"only keras3 {sorted(a - b)[:10]}, shape differences "
                                   f"{[(t, info['shapes'][t], k3_shapes[t]) for t in a & b if info['shapes'][t] != k3_shapes[t]][:10]}")
            for layer, ws in nw:
                if ws:
                    layer.set_weights([src[t] for t, _ in ws])
            params = int(model.count_params())
            if params != info["params"]:
                raise RuntimeError(f"{name}: Keras 3 count_params {params} != tf-keras {info['params']}")
            trainable = trainable_count(model)
            if trainable != info["trainable_params"]:
                raise RuntimeError(f"{name}: trainable params Keras 3 {trainable} != tf-keras {info['trainable_params']}")
        else:
            src, shapes = draw_into(K, model, keep, False)
            params = int(model.count_params())
            check_params(name, params, shapes, "Keras 3")
            info = {"params": params, "trainable_params": trainable_count(model)}
            with open(info_path, "w") as f:
                json.dump(info, f)
        for _, ws in nw:   # read back: the model holds exactly the seeded values
            for t, w in ws:
                v = np.asarray(w.numpy())
                if v.dtype != np.float32 or v.tobytes() != src[t].tobytes():
                    raise RuntimeError(f"{name}: {t} differs after loading into Keras 3")
        if name in COMPILED:
            compile_with_optimizer(model)
        d = os.path.join(staging, name)
        os.makedirs(d, exist_ok=True)
        wanted = {fn for fn, _, _ in files_of(name)}
        if "k3_full.h5" in wanted:
            atomic_keras_save(lambda p: model.save(p), os.path.join(d, "k3_full.h5"), ".h5")
        if "k3.weights.h5" in wanted:
            atomic_keras_save(lambda p: model.save_weights(p), os.path.join(d, "k3.weights.h5"), ".weights.h5")
        atomic_keras_save(lambda p: model.save(p), os.path.join(d, "k3.keras"), ".keras")
        arch = LARGE[name][0] if name in LARGE else ""
        del model, nw
        if name in LARGE:   # no stored copy: check every written file against the values here
            verify_files(d, name, src)
        else:
            save_safetensors(src, os.path.join(d, "expected.safetensors"),
                             metadata={"params": str(params), "arch": arch})
            if name in SMALL:   # the narrow models are written by the same Keras code (h5py re-reads them)
                keras_reload_check(K, name, d, src)
        del src
        K.backend.clear_session()
        gc.collect()
        log(f"    keras 3  {name}: {time.time() - t0:.1f}s")


def keras_reload_check(K, name, d, src):
    """Keras 3 itself loads every written file back with the expected values (small models only)."""
    import numpy as np

    def compare(model, what):
        got = {t: np.asarray(w.numpy()) for _, ws in named_weights(K, model, False) for t, w in ws}
        if set(got) != set(src) or any(got[t].tobytes() != src[t].tobytes() for t in src):
            raise RuntimeError(f"{name}: Keras 3 reloading {what} does not give the expected weights")

    for fn in ("tfk_weights.h5", "tfk_full.h5", "k3_full.h5", "k3.weights.h5"):
        K.backend.clear_session()
        model, _ = BUILDERS[name](K, False)
        model.load_weights(os.path.join(d, fn))
        compare(model, fn)
    K.backend.clear_session()
    compare(K.models.load_model(os.path.join(d, "k3.keras"), safe_mode=False, compile=False), "k3.keras")
    K.backend.clear_session()


def seed_weights(K, model):
    """Give every (tf-keras) weight its seeded value; returns {tensor name: value}."""
    tensors = {}
    for layer, ws in named_weights(K, model, True):
        if ws:
            vals = [draw(t, tuple(w.shape)) for t, w in ws]
            layer.set_weights(vals)
            tensors.update({t: v for (t, _), v in zip(ws, vals)})
    return tensors


def _padded(prefix, i, length):
    s = f"{prefix}_{i:03d}_"
    return s + "x" * (length - len(s))


def worker_special(staging, work):
    """tf-keras special files: chunked attributes and the bad inputs."""
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    quiet_tf()
    import numpy as np
    import h5py
    import tf_keras as K
    L = K.layers
    d = os.path.join(staging, "special")
    os.makedirs(d, exist_ok=True)

    # chunked_full.h5: 1000-character layer names. The outer layer list (67 names) exceeds the
    # 64,512-byte attribute limit, so layer_names is split into layer_names0, layer_names1; the
    # nested Sequential has 36 Dense layers, so its weight_names (72 names) is split as well.
    K.backend.clear_session()
    n_len = 1000
    inner = K.Sequential([K.Input((4,), name=_padded("inner_input", 0, 60))] +
                         [L.Dense(4, activation="relu" if i % 2 else "linear", name=_padded("inner_dense", i, n_len))
                          for i in range(36)], name=_padded("nested_sequential", 0, n_len))
    inp = K.Input((4,), name=_padded("input", 0, n_len))
    x = inp
    for i in range(32):
        x = L.Dense(4, name=_padded("dense", i, n_len))(x)
        x = L.Activation("tanh" if i % 2 else "relu", name=_padded("activation", i, n_len))(x)
    x = inner(x)
    x = L.Dense(3, activation="softmax", name=_padded("predictions", 0, n_len))(x)
    model = K.Model(inp, x, name="chunked")
    tensors = seed_weights(K, model)
    params = int(model.count_params())
    atomic_keras_save(lambda p: model.save(p), os.path.join(d, "chunked_full.h5"), ".h5")
    save_safetensors(tensors, os.path.join(d, "chunked_full.expected.safetensors"),
                     metadata={"params": str(params), "arch": ""})
    with h5py.File(os.path.join(d, "chunked_full.h5"), "r") as f:
        mw = f["model_weights"]
        if "layer_names" in mw.attrs or "layer_names0" not in mw.attrs or "layer_names1" not in mw.attrs:
            raise RuntimeError(f"chunked_full.h5: layer_names not chunked: {list(mw.attrs)}")
        g = mw[inner.name]
        if "weight_names" in g.attrs or "weight_names0" not in g.attrs:
            raise RuntimeError(f"chunked_full.h5: nested weight_names not chunked: {list(g.attrs)}")
    with open(os.path.join(work, "chunked_full.json"), "w") as f:
        json.dump({"params": params}, f)

    # unsupported_layer.h5: Conv2DTranspose (no converter support)
    K.backend.clear_session()
    inp = K.Input((6, 6, 3), name="input_1")
    x = L.Conv2D(4, 3, padding="same", name="conv")(inp)
    x = L.Conv2DTranspose(2, 3, strides=2, padding="same", name="deconv")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    x = L.Dense(2, name="predictions")(x)
    model = K.Model(inp, x, name="unsupported")
    seed_weights(K, model)
    atomic_keras_save(lambda p: model.save(p), os.path.join(d, "unsupported_layer.h5"), ".h5")

    # python_lambda.h5: a Lambda layer holding Python bytecode
    K.backend.clear_session()
    inp = K.Input((4,), name="input_1")
    x = L.Dense(3, name="dense")(inp)
    x = L.Lambda(pylambda("lambda x: x * 2"), name="my_lambda")(x)
    x = L.Dense(2, name="predictions")(x)
    model = K.Model(inp, x, name="python_lambda")
    seed_weights(K, model)
    atomic_keras_save(lambda p: model.save(p), os.path.join(d, "python_lambda.h5"), ".h5")

    # channels_first.h5: built and saved only (TF on CPU cannot run channels_first convolutions)
    K.backend.clear_session()
    inp = K.Input((3, 8, 8), name="input_1")
    x = L.Conv2D(4, 3, data_format="channels_first", name="conv_cf")(inp)
    x = L.Flatten(data_format="channels_first", name="flatten")(x)
    x = L.Dense(2, name="predictions")(x)
    model = K.Model(inp, x, name="channels_first")
    seed_weights(K, model)
    atomic_keras_save(lambda p: model.save(p), os.path.join(d, "channels_first.h5"), ".h5")

    # truncated.h5: the first half of a valid tf-keras full-model file
    K.backend.clear_session()
    inp = K.Input((8, 8, 3), name="input_1")
    x = L.Conv2D(4, 3, name="conv")(inp)
    x = L.Flatten(name="flatten")(x)
    x = L.Dense(2, name="predictions")(x)
    model = K.Model(inp, x, name="truncated")
    seed_weights(K, model)
    full = os.path.join(work, "truncated_src.h5")
    model.save(full)
    with open(full, "rb") as f:
        data = f.read()
    tmp = os.path.join(d, ".tmp-truncated.h5")
    with open(tmp, "wb") as f:
        f.write(data[: len(data) // 2])
    os.replace(tmp, os.path.join(d, "truncated.h5"))
    K.backend.clear_session()
    log("    special tf-keras files written")


# ----------------------------------------------------------------------------------------------------
# Orchestrator-side writers and verification (h5py + numpy only)
# ----------------------------------------------------------------------------------------------------

def write_not_keras(path):
    import numpy as np
    import h5py
    rng = np.random.default_rng([SEED, 7])
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        f.attrs["description"] = "an HDF5 file that is not a Keras checkpoint"
        f.create_dataset("data/images", data=rng.standard_normal((4, 8, 8, 3)).astype("float32"))
        f.create_dataset("data/labels", data=np.arange(4, dtype="int64"))
        f["data"].attrs["note"] = "unrelated"
    os.replace(tmp, path)


def write_not_hdf5(path):
    import numpy as np
    data = np.random.default_rng([SEED, 8]).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    assert not data.startswith(b"\x89HDF")
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def write_keras1(path, model_dir):
    """A Keras-1.x (TensorFlow backend) weights file laid out like the published
    vgg16_weights_tf_dim_ordering_tf_kernels*.h5, attribute for attribute (README.md, "Keras-1 layout",
    gives the sources). Keras 1's Container.save_weights, run with h5py 2, wrote:
      - on the root group only @layer_names (no @backend, no @keras_version): a 1-D list of the layer
        names encoded to bytes, which h5py 2 stores as fixed-length strings (H5T_STR_NULLPAD, ASCII,
        size = the longest name; numpy `|S<n>`), in model.layers order, input layer included;
      - a group per layer, created in that order (not sorted), weightless layers included;
      - on each group @weight_names, the bytes of the TF variable names (`block1_conv1_W_1:0`,
        `block1_conv1_b_1:0`: kernel first, then bias), fixed-length NULLPAD ASCII; for a layer without
        weights the empty Python list, which numpy makes a float64 array of shape (0,);
      - each weight as a dataset named by its weight name directly in the layer group, created with
        create_dataset(name, shape, dtype) and then filled: float32 little-endian, contiguous, no filters.
    The values and layer list come from the model's tf-keras weights file (same seeded tensors)."""
    import numpy as np
    import h5py
    with h5py.File(os.path.join(model_dir, "tfk_weights.h5"), "r") as src:
        layer_names = read_str_list(src, "layer_names")
        values, _ = read_legacy(src)
    tmp = path + ".tmp"
    with h5py.File(tmp, "w", libver="earliest", track_order=False) as f:
        f.attrs["layer_names"] = np.array([n.encode("utf8") for n in layer_names])
        used = set()
        for ln in layer_names:
            g = f.create_group(ln)
            names, arrays = [], []
            for short, k1 in (("kernel", "W"), ("bias", "b")):
                t = f"{ln}/{short}"
                if t in values:
                    names.append(f"{ln}_{k1}_1:0".encode("utf8"))
                    arrays.append(values[t])
                    used.add(t)
            g.attrs["weight_names"] = np.array(names) if names else np.array([])
            for n, a in zip(names, arrays):
                ds = g.create_dataset(n.decode(), a.shape, dtype=np.dtype("<f4"))
                ds[...] = a
        if used != set(values):
            raise RuntimeError(f"{path}: tensors not representable in a Keras-1 VGG file: {sorted(set(values) - used)}")
    os.replace(tmp, path)


def verify_keras1(path, model_dir):
    """The Keras-1 file has exactly the published layout (write_keras1) and the tf-keras file's values."""
    import numpy as np
    import h5py

    def fixed_ascii(attr_owner, name, where):
        a = attr_owner.attrs.get_id(name)
        t = a.get_type()
        if not isinstance(t, h5py.h5t.TypeStringID) or t.is_variable_str() or \
                t.get_strpad() != h5py.h5t.STR_NULLPAD or t.get_cset() != h5py.h5t.CSET_ASCII:
            raise RuntimeError(f"{path}: {where}@{name} is not a fixed-length NULLPAD ASCII string array")

    with h5py.File(os.path.join(model_dir, "tfk_weights.h5"), "r") as src:
        want, _ = read_legacy(src)
        want_layers = read_str_list(src, "layer_names")
    with h5py.File(path, "r") as f:
        if set(f.attrs) != {"layer_names"}:
            raise RuntimeError(f"{path}: root attributes {list(f.attrs)}")
        fixed_ascii(f, "layer_names", "/")
        if read_str_list(f, "layer_names") != want_layers or sorted(f.keys()) != sorted(want_layers):
            raise RuntimeError(f"{path}: layer groups differ from the layer list")
        for ln in want_layers:
            g = f[ln]
            if set(g.attrs) != {"weight_names"}:
                raise RuntimeError(f"{path}: /{ln} attributes {list(g.attrs)}")
            wn = np.asarray(g.attrs["weight_names"])
            if wn.size == 0:
                if wn.dtype != np.float64 or wn.shape != (0,):
                    raise RuntimeError(f"{path}: /{ln}@weight_names is empty but not float64 (0,)")
                if len(g) != 0:
                    raise RuntimeError(f"{path}: /{ln} has datasets but no weight names")
                continue
            fixed_ascii(g, "weight_names", f"/{ln}")
            for n in read_str_list(g, "weight_names"):
                ds = g[n]
                if ds.dtype != np.dtype("<f4") or ds.compression or ds.chunks is not None or n.count("/"):
                    raise RuntimeError(f"{path}: /{ln}/{n} is not a contiguous float32 dataset in the layer group")
        got, _ = read_legacy(f)
    if set(got) != set(want) or any(got[t].tobytes() != want[t].tobytes() for t in want):
        raise RuntimeError(f"{path}: content differs from {model_dir}/tfk_weights.h5")


def _decode(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def read_str_list(obj, name):
    import numpy as np
    def conv(a):
        a = np.asarray(a)
        if a.dtype.kind not in ("S", "O", "U"):
            assert a.size == 0, f"non-string attribute {name} with {a.size} elements"
            return []
        return [_decode(x) for x in a.reshape(-1)]
    if name in obj.attrs:
        return conv(obj.attrs[name])
    out, i = [], 0
    while f"{name}{i}" in obj.attrs:
        out += conv(obj.attrs[f"{name}{i}"])
        i += 1
    return out


def keras1_key(layer, wname):
    base = wname.split(":")[0]
    for suffix, short in (("_W_1", "kernel"), ("_b_1", "bias"), ("_W", "kernel"), ("_b", "bias")):
        if base == layer + suffix:
            return f"{layer}/{short}"
    raise RuntimeError(f"unrecognised Keras-1 weight name {wname!r} in layer {layer!r}")


def read_legacy(f):
    """{<layer>/<weight>: array} from a legacy weights layout (weights file or /model_weights)."""
    import numpy as np
    root = f
    if "layer_names" not in f.attrs and "layer_names0" not in f.attrs and "model_weights" in f:
        root = f["model_weights"]
    keras1 = "keras_version" not in root.attrs
    out, order = {}, []
    for ln in read_str_list(root, "layer_names"):
        g = root[ln]
        for wn in read_str_list(g, "weight_names"):
            arr = np.asarray(g[wn])
            if keras1:
                key = keras1_key(ln, wn)
            else:
                parts = wn.split(":")[0].split("/")
                key = "/".join(parts[-2:])   # nested models: <inner layer>/<weight>
            if key in out:
                raise RuntimeError(f"duplicate tensor {key}")
            out[key] = arr
            order.append((ln, wn))
    return out, order


def read_v3(g, out, path=""):
    """{layer name: [arrays in vars order]} from a v3 (.weights.h5) layout, recursing into sub-models."""
    import numpy as np
    if "layers" not in g:
        return
    for k in g["layers"]:
        sub = g["layers"][k]
        if "layers" in sub:
            read_v3(sub, out, f"{path}layers/{k}/")
            continue
        if "vars" not in sub:
            continue
        v = sub["vars"]
        if len(v) == 0:
            continue
        name = _decode(v.attrs["name"])
        idx = sorted(v.keys(), key=int)
        assert idx == [str(i) for i in range(len(idx))], idx
        if name in out:
            raise RuntimeError(f"duplicate layer {name} in v3 file")
        out[name] = [np.asarray(v[i]) for i in idx]


def verify_files(d, name, exp):
    """Re-read every file written for the model the way a converter does and compare with `exp`
    ({<layer>/<weight>: float32 array}, what Keras holds)."""
    import numpy as np
    import h5py

    def same(got, what):
        if set(got) != set(exp):
            raise RuntimeError(f"{name} {what}: tensor names differ: missing {sorted(set(exp) - set(got))[:5]}, "
                               f"extra {sorted(set(got) - set(exp))[:5]}")
        for t, a in exp.items():
            b = got[t]
            if b.dtype != np.float32 or b.shape != a.shape or b.tobytes() != a.tobytes():
                raise RuntimeError(f"{name} {what}: {t} differs ({b.dtype} {b.shape} vs {a.shape})")

    def v3_check(f, what):
        layers = {}
        read_v3(f, layers)
        got = {}
        for ln, arrays in layers.items():
            shorts = [s for s in SHORT_NAMES if f"{ln}/{s}" in exp]
            if len(shorts) != len(arrays):
                raise RuntimeError(f"{name} {what}: layer {ln} has {len(arrays)} vars, expected {shorts}")
            got.update({f"{ln}/{s}": a for s, a in zip(shorts, arrays)})
        same(got, what)

    for fn, _, _ in files_of(name):
        path = os.path.join(d, fn)
        if fn.endswith(".keras"):
            with zipfile.ZipFile(path) as z:
                data = z.read("model.weights.h5")
                json.loads(z.read("config.json"))
            with h5py.File(io.BytesIO(data), "r") as f:
                v3_check(f, fn)
            del data
        elif fn.endswith(".weights.h5"):
            with h5py.File(path, "r") as f:
                v3_check(f, fn)
        else:
            with h5py.File(path, "r") as f:
                got, _ = read_legacy(f)
            same(got, fn)


def verify_model_dir(d, name):
    """verify_files against the model's expected.safetensors; returns the parameter count."""
    import numpy as np
    from safetensors import safe_open
    from safetensors.numpy import load_file
    exp = load_file(os.path.join(d, "expected.safetensors"))
    with safe_open(os.path.join(d, "expected.safetensors"), "np") as sf:
        meta = sf.metadata()
    for t, a in exp.items():
        assert a.dtype == np.float32, (t, a.dtype)
    if int(meta["params"]) != sum(a.size for a in exp.values()):
        raise RuntimeError(f"{name}: metadata params {meta['params']} != sum of tensor sizes")
    verify_files(d, name, exp)


# ----------------------------------------------------------------------------------------------------
# Orchestrator
# ----------------------------------------------------------------------------------------------------

_NOISE = re.compile(r"^(WARNING: All log messages before absl::InitializeLog|I0000 .*(port\.cc|cudart_stub\.cc|cpu_feature_guard\.cc)"
                    r"|E0000 .*cuda|W0000 .*cuda|.*TF-TRT Warning|.*rebuild TensorFlow with the appropriate compiler flags)")


def run_worker(kind, models, staging, work):
    env = dict(os.environ)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env.setdefault("CUDA_VISIBLE_DEVICES", "")
    env["PYTHONHASHSEED"] = "0"
    if kind in ("tfk", "special"):
        env["TF_USE_LEGACY_KERAS"] = "1"
    else:
        env.pop("TF_USE_LEGACY_KERAS", None)
        env["KERAS_BACKEND"] = "tensorflow"
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", kind,
           "--models", ",".join(models), "--staging", staging, "--work", work]
    # TensorFlow prints a few C++ start-up lines before TF_CPP_MIN_LOG_LEVEL takes effect; drop them.
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True, errors="replace")
    for line in proc.stderr:
        if not _NOISE.search(line):
            sys.stderr.write(line)
            sys.stderr.flush()
    proc.wait()
    r = proc
    if r.returncode != 0:
        raise SystemExit(f"generate.py: worker {kind} for {','.join(models) or 'special'} failed "
                         f"(exit {r.returncode})")


def install_dir(staging_dir, final_dir):
    old = final_dir.rstrip("/") + f".old-{os.getpid()}"
    if os.path.exists(final_dir):
        os.replace(final_dir, old)
    os.replace(staging_dir, final_dir)
    if os.path.exists(old):
        shutil.rmtree(old)


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=False)
        f.write("\n")
    os.replace(tmp, path)


def versions():
    import importlib.metadata as md
    import platform
    out = {"python": platform.python_version()}
    for p in ("tensorflow", "tensorflow-cpu", "keras", "tf-keras", "h5py", "numpy", "safetensors"):
        try:
            out[p] = md.version(p)
        except md.PackageNotFoundError:
            out[p] = None
    out["seed"] = SEED
    return out


def size_of(name):
    return "large" if name in LARGE else ("narrow" if name in NARROW else "small")


def model_entries(name, params, trainable):
    arch = LARGE[name][0] if name in LARGE else ""
    return [{"model": name, "format": fmt, "path": f"{name}/{fn}", "expected": expected_of(name),
             "arch": arch, "params": params, "trainable_params": trainable, "weights_only": wo,
             "size": size_of(name)} for fn, fmt, wo in files_of(name)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", help="output directory")
    ap.add_argument("--only", help="comma-separated model names (and/or 'special', 'architectures')")
    ap.add_argument("--small-only", action="store_true",
                    help="tiny models and special files only (the committed set); without it and without "
                         "--only: the narrow and full-size models (the cache's set)")
    ap.add_argument("--worker", choices=["tfk", "k3", "special", "configs"], help=argparse.SUPPRESS)
    ap.add_argument("--models", default="", help=argparse.SUPPRESS)
    ap.add_argument("--staging", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        models = [m for m in args.models.split(",") if m]
        {"tfk": lambda: worker_tfk(models, args.staging, args.work),
         "k3": lambda: worker_k3(models, args.staging, args.work),
         "special": lambda: worker_special(args.staging, args.work),
         "configs": lambda: worker_configs(args.staging)}[args.worker]()
        return

    if not args.out:
        ap.error("--out is required")
    out = os.path.abspath(args.out)
    all_models = list(SMALL) + list(NARROW) + list(LARGE)
    if args.only:
        wanted = [m.strip() for m in args.only.split(",") if m.strip()]
        unknown = [m for m in wanted if m not in all_models and m not in ("special", "architectures")]
        if unknown:
            ap.error(f"unknown model(s) {unknown}; known: {', '.join(all_models)}, special, architectures")
        models = [m for m in all_models if m in wanted]
        do_special, do_configs = "special" in wanted, "architectures" in wanted
    elif args.small_only:   # the committed set
        models, do_special, do_configs = list(SMALL), True, False
    else:                   # the cache's set: the tiny models and special files are committed
        models, do_special, do_configs = list(NARROW) + list(LARGE), False, True
    if args.small_only:
        models = [m for m in models if m in SMALL]
    mode = "only" if args.only else ("small" if args.small_only else "full")

    t_start = time.time()
    os.makedirs(out, exist_ok=True)
    complete = os.path.join(out, ".complete")
    if os.path.exists(complete):
        os.remove(complete)
    staging = os.path.join(out, ".staging")
    work = os.path.join(out, ".work")
    for p in (staging, work):
        shutil.rmtree(p, ignore_errors=True)
        os.makedirs(p)

    small = [m for m in models if m in SMALL]
    narrow = [m for m in models if m in NARROW]
    large = [m for m in models if m in LARGE]
    manifest_new = []
    regenerated = set()
    steps = len(large) + (1 if small else 0) + (1 if narrow else 0) + (1 if do_special else 0) + (1 if do_configs else 0)
    step = 0

    def progress(what):
        log(f"[{step}/{steps}] {what} (elapsed {time.time() - t_start:.0f}s)")

    def finish_model(name):
        t = time.time()
        if name not in LARGE:   # full-size models are checked by the Keras 3 worker (no stored copy)
            verify_model_dir(os.path.join(staging, name), name)
        with open(os.path.join(work, f"{name}.json")) as f:
            info = json.load(f)
        install_dir(os.path.join(staging, name), os.path.join(out, name))
        manifest_new.extend(model_entries(name, info["params"], info["trainable_params"]))
        regenerated.add(name)
        for m in (f"{name}.safetensors", f"{name}.json"):
            p = os.path.join(work, m)
            if os.path.exists(p):
                os.remove(p)
        log(f"    verified {name} ({time.time() - t:.1f}s)")

    def keras1_for(name):
        for fn, src in KERAS1.items():
            if src == name:
                sp = os.path.join(out, "special")
                os.makedirs(sp, exist_ok=True)
                p = os.path.join(sp, fn)
                write_keras1(p, os.path.join(out, name))
                verify_keras1(p, os.path.join(out, name))
                entry = next(e for e in manifest_new if e["model"] == name)
                manifest_new.append(dict(entry, format="keras1_weights", path=f"special/{fn}", weights_only=True))
                regenerated.add(f"special/{fn}")

    for group, what in ((small, "tiny models"), (narrow, "narrow models")):
        if not group:
            continue
        step += 1
        progress(f"{what}: {', '.join(group)}")
        run_worker("tfk", group, staging, work)
        run_worker("k3", group, staging, work)
        for name in group:
            finish_model(name)
            keras1_for(name)

    for name in large:
        step += 1
        progress(f"model {name}")
        if any(fn.startswith("tfk_") for fn, _, _ in files_of(name)):
            run_worker("tfk", [name], staging, work)
        run_worker("k3", [name], staging, work)
        finish_model(name)
        keras1_for(name)
        gc.collect()

    if do_special:
        step += 1
        progress("special files")
        run_worker("special", [], staging, work)
        sp_stage = os.path.join(staging, "special")
        write_not_keras(os.path.join(sp_stage, "not_keras.h5"))
        write_not_hdf5(os.path.join(sp_stage, "not_hdf5.h5"))
        sp = os.path.join(out, "special")
        os.makedirs(sp, exist_ok=True)
        for fn in sorted(os.listdir(sp_stage)):
            os.replace(os.path.join(sp_stage, fn), os.path.join(sp, fn))
        with open(os.path.join(work, "chunked_full.json")) as f:
            cparams = json.load(f)["params"]
        import h5py
        from safetensors.numpy import load_file
        cexp = load_file(os.path.join(sp, "chunked_full.expected.safetensors"))
        with h5py.File(os.path.join(sp, "chunked_full.h5"), "r") as f:
            cgot, _ = read_legacy(f)
        if set(cgot) != set(cexp) or any(cgot[t].tobytes() != cexp[t].tobytes() for t in cexp):
            raise RuntimeError("special/chunked_full.h5 does not match its expected tensors")
        manifest_new.append({
            "model": "chunked_full", "format": "chunked_full", "path": "special/chunked_full.h5",
            "expected": "special/chunked_full.expected.safetensors", "arch": "", "params": cparams,
            "trainable_params": cparams, "weights_only": False, "size": "small"})
        regenerated.add("special/chunked_full.h5")

    if do_configs:
        step += 1
        progress(f"architecture configs: {', '.join(CONFIG_ONLY)}")
        run_worker("configs", [], staging, work)
        install_dir(os.path.join(staging, "architectures"), os.path.join(out, "architectures"))
        os.replace(os.path.join(staging, "architectures.json"), os.path.join(out, "architectures.json"))

    # manifest: keep entries of models not regenerated by this run (only with --only)
    manifest_path = os.path.join(out, "manifest.json")
    old = []
    if mode == "only" and os.path.exists(manifest_path):
        with open(manifest_path) as f:
            old = [e for e in json.load(f)
                   if e["model"] not in regenerated and e["path"] not in regenerated]
    order = {m: i for i, m in enumerate(all_models + ["chunked_full"])}
    formats = [fmt for _, fmt, _ in FILES] + ["keras1_weights", "chunked_full"]
    manifest = sorted(old + manifest_new,
                      key=lambda e: (order.get(e["model"], 99), formats.index(e["format"]), e["path"]))
    write_json(manifest_path, manifest)
    write_json(os.path.join(out, "versions.json"), versions())
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    elapsed = time.time() - t_start
    with open(complete + ".tmp", "w") as f:
        json.dump({"mode": mode, "models": models, "special": do_special, "entries": len(manifest),
                   "seconds": round(elapsed, 1)}, f)
        f.write("\n")
    os.replace(complete + ".tmp", complete)
    log(f"done: {len(models)} models{' + special files' if do_special else ''} in {elapsed:.0f}s -> {out}")


if __name__ == "__main__":
    main()

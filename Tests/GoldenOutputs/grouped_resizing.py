#!/usr/bin/env python3
"""A tiny model of grouped convolutions and Resizing layers, and its Keras references, written when the test runs
(issue 14, section 1).

    grouped_resizing.py OUT_DIR

Builds `grouped_resizing` with Keras 3 (15x13x3 input, 1,215 parameters); a Resizing comes first, so TensorFlow's input
gradient passes back through it:

    resize_up            Resizing(22, 19): bilinear, up by 22/15 and 19/13 (the odd case's 13x17 up by 22/13 and 19/17)
    conv                 Conv2D 3x3 'same' (3 channels do not split into groups)
    grouped_g2           Conv2D 3x3 'same', groups 2 (4 channels per group), relu
    resize_down          Resizing(13, 11): bilinear, down by 13/22 and 11/19
    grouped_g4_s2        Conv2D 3x3 stride 2 'valid', groups 4 (2 channels in, 3 out per group): 13x11 to 6x5
    bn                   BatchNormalization (folded into grouped_g4_s2 in the fused engine)
    resize_nearest       Resizing(9, 7, 'nearest'): up by 9/6 and 7/5
    grouped_dilated      Conv2D 3x3 'same', dilation 2, groups 4, swish
    resize_crop          Resizing(8, 5, crop_to_aspect_ratio=True): the 9x7 map's 9x5 window (from column 1), bilinear
                         down to 8x5
    grouped_1x1          Conv2D 1x1, groups 2 (a matrix product per group)
    resize_nearest_crop  Resizing(5, 6, 'nearest', crop_to_aspect_ratio=True): the 8x5 map's 4x5 window (from row 2),
                         up to 5x6
    gap                  GlobalAveragePooling2D
    predictions          Dense, softmax

gives every weight its seeded value (test_time_models.py), and writes, in the layout of the golden sets:

    OUT_DIR/grouped_resizing/k3.keras                 Keras 3 `model.save`
    OUT_DIR/grouped_resizing/k3_full.h5               Keras 3's legacy full-model HDF5
    OUT_DIR/grouped_resizing/tf_keras_full.h5         the same model built by tf-keras with the same weights (its
                                                      Resizing configs have no pad_to_aspect_ratio, antialias, ...)
    OUT_DIR/grouped_resizing/activations.safetensors  every layer's output on the golden cases (the odd one 13x17), by
                                                      activations.py's own worker
    OUT_DIR/grouped_resizing_train/                   TensorFlow's gradients of the categorical cross-entropy, every
                                                      layer trainable (BatchNormalization on batch statistics), by
                                                      gradients.py's run_case

Keras' TensorFlow backend runs grouped convolutions through XLA on the CPU (TensorFlow's own kernel refuses them). One
TensorFlow start, about 15 s.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "training"))

from test_time_models import write_model_and_references    # noqa: E402

NAME = "grouped_resizing"
INPUT = (15, 13, 3)


def build(keras):
    layers = keras.layers
    inputs = keras.Input(INPUT, name="input_1")
    x = layers.Resizing(22, 19, name="resize_up")(inputs)
    x = layers.Conv2D(8, 3, padding="same", name="conv")(x)
    x = layers.Conv2D(8, 3, padding="same", groups=2, activation="relu", name="grouped_g2")(x)
    x = layers.Resizing(13, 11, name="resize_down")(x)
    x = layers.Conv2D(12, 3, strides=2, groups=4, name="grouped_g4_s2")(x)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.Resizing(9, 7, interpolation="nearest", name="resize_nearest")(x)
    x = layers.Conv2D(12, 3, padding="same", dilation_rate=2, groups=4, activation="swish", name="grouped_dilated")(x)
    x = layers.Resizing(8, 5, crop_to_aspect_ratio=True, name="resize_crop")(x)
    x = layers.Conv2D(8, 1, groups=2, name="grouped_1x1")(x)
    x = layers.Resizing(5, 6, interpolation="nearest", crop_to_aspect_ratio=True, name="resize_nearest_crop")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(3, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=NAME)


if __name__ == "__main__":
    write_model_and_references(NAME, build)

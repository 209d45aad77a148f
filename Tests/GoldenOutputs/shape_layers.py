#!/usr/bin/env python3
"""A tiny model carrying the layers that move values around an image, and its Keras references, written when the test
runs (issue 14, section 1).

    shape_layers.py OUT_DIR

Builds `shape_layers` with Keras 3 (15x13x3 input, ~800 parameters); a convolution comes first so that TensorFlow's
gradient of it passes back through every layer after it:

    conv               Conv2D 3x3 'same'
    crop_int           Cropping2D(1): one form of `cropping` each
    crop_pair          Cropping2D((2, 1))
    crop_sides         Cropping2D(((1, 0), (0, 2)))
    up_nearest         UpSampling2D((2, 3)), nearest
    conv_stride        Conv2D 3x3 stride 2 'same'
    up_bilinear        UpSampling2D((3, 2), bilinear): a third is not a float32 number, so the source positions round
    center_crop        CenterCrop(9, 12): odd differences on the 24x22 map (and on the odd case's 18x34)
    center_resize      CenterCrop(12, 12) of the 9x12 map, smaller than the target: Keras' smart_resize, the 9x9 box
                       from column 1 resized bilinearly to 12x12
    permute_wh         Permute((2, 1, 3))
    permute_chw        Permute((3, 1, 2)): channels first
    permute_back       Permute((2, 3, 1))
    layer_norm         LayerNormalization() over the 6 channels (gamma, beta)
    conv_relu          Conv2D 3x3 'valid', relu
    layer_norm_plain   LayerNormalization(epsilon=1e-5, center=False): gamma only
    gap                GlobalAveragePooling2D(keepdims=True)
    to_rows            Reshape((4, 2)) -> permute_rows Permute((2, 1)) -> layer_norm_rows LayerNormalization over a
                       rank-3 value -> flat Reshape((8,))
    predictions        Dense, softmax

gives every weight its seeded value (test_time_models.py), and writes, in the layout of the golden sets:

    OUT_DIR/shape_layers/k3.keras                 Keras 3 `model.save`
    OUT_DIR/shape_layers/k3_full.h5               Keras 3's legacy full-model HDF5
    OUT_DIR/shape_layers/tf_keras_full.h5         the same model built by tf-keras with the same weights (its configs
                                                  differ: LayerNormalization's axis is [3], not [-1])
    OUT_DIR/shape_layers/activations.safetensors  every layer's output on the golden cases (the odd one 13x17), by
                                                  activations.py's own worker
    OUT_DIR/shape_layers_train/                   TensorFlow's gradients of the categorical cross-entropy, every
                                                  layer trainable, by gradients.py's run_case

One TensorFlow start, about 12 s.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "training"))

from test_time_models import write_model_and_references    # noqa: E402

NAME = "shape_layers"
INPUT = (15, 13, 3)


def build(keras):
    layers = keras.layers
    inputs = keras.Input(INPUT, name="input_1")
    x = layers.Conv2D(4, 3, padding="same", name="conv")(inputs)
    x = layers.Cropping2D(1, name="crop_int")(x)
    x = layers.Cropping2D((2, 1), name="crop_pair")(x)
    x = layers.Cropping2D(((1, 0), (0, 2)), name="crop_sides")(x)
    x = layers.UpSampling2D((2, 3), name="up_nearest")(x)
    x = layers.Conv2D(6, 3, strides=2, padding="same", name="conv_stride")(x)
    x = layers.UpSampling2D((3, 2), interpolation="bilinear", name="up_bilinear")(x)
    x = layers.CenterCrop(9, 12, name="center_crop")(x)
    x = layers.CenterCrop(12, 12, name="center_resize")(x)
    x = layers.Permute((2, 1, 3), name="permute_wh")(x)
    x = layers.Permute((3, 1, 2), name="permute_chw")(x)
    x = layers.Permute((2, 3, 1), name="permute_back")(x)
    x = layers.LayerNormalization(name="layer_norm")(x)
    x = layers.Conv2D(8, 3, activation="relu", name="conv_relu")(x)
    x = layers.LayerNormalization(epsilon=1e-5, center=False, name="layer_norm_plain")(x)
    x = layers.GlobalAveragePooling2D(keepdims=True, name="gap")(x)
    x = layers.Reshape((4, 2), name="to_rows")(x)
    x = layers.Permute((2, 1), name="permute_rows")(x)
    x = layers.LayerNormalization(name="layer_norm_rows")(x)
    x = layers.Reshape((8,), name="flat")(x)
    outputs = layers.Dense(3, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=NAME)


if __name__ == "__main__":
    write_model_and_references(NAME, build)

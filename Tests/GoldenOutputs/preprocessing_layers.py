#!/usr/bin/env python3
"""A tiny model carrying Keras' preprocessing layers, and its Keras references, written when the test runs (issue 14).

    preprocessing_layers.py OUT_DIR

Builds `preprocessing_layers` with Keras 3 (15x13x3 input of 0...255 values, ~300 parameters), the preprocessing
published models carry inside them:

    rescale            Rescaling(1/255): the one-number form
    normalization      Normalization(axis=-1), adapted by Keras' own adapt() on seeded images: weights mean,
                       variance and count (an int64)
    conv               Conv2D 3x3 'same'
    rescale_channels   Rescaling with a NumPy array per channel and a list of offsets (EfficientNet's form; the
                       array is serialised as Keras 3's __numpy__ object)
    normalization_given    Normalization(axis=None, mean=0.25, variance=4.0): constructor values, one for all
    denormalization    Normalization(mean=[...], variance=[...], invert=True), one variance 0 (the 1e-7 floor)
    relu -> gap -> predictions (Dense, softmax)

gives every other weight its seeded value (test_time_models.py), and writes, in the layout of the golden sets:

    OUT_DIR/preprocessing_layers/k3.keras                 Keras 3 `model.save`
    OUT_DIR/preprocessing_layers/k3_full.h5               Keras 3's legacy full-model HDF5 (weights by their
                                                          Keras names, count as an integer dataset)
    OUT_DIR/preprocessing_layers/activations.safetensors  every layer's output on the golden cases, by
                                                          activations.py's own worker
    OUT_DIR/preprocessing_layers_train/                   TensorFlow's gradients of the categorical cross-entropy,
                                                          every layer trainable, by gradients.py's run_case

One TensorFlow start, about 10 s.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "training"))

from test_time_models import seed_weights, start_keras                   # noqa: E402
from activations import worker                              # noqa: E402
from gradients import case, run_case                        # noqa: E402

NAME = "preprocessing_layers"
INPUT = (15, 13, 3)


def build(keras, np):
    layers = keras.layers
    inputs = keras.Input(INPUT, name="input_1")
    x = layers.Rescaling(1.0 / 255.0, name="rescale")(inputs)
    normalization = layers.Normalization(axis=-1, name="normalization")
    # Adapted as a user would: on images of the same 1/255 scale, with per-channel means and spreads of their own.
    samples = np.random.default_rng(20251129).uniform(0.0, 1.0, (32,) + INPUT).astype(np.float32)
    normalization.adapt(samples * np.float32([0.9, 0.6, 0.3]) + np.float32([0.05, 0.2, 0.4]))
    x = normalization(x)
    x = layers.Conv2D(4, 3, padding="same", name="conv")(x)
    x = layers.Rescaling(np.array([0.5, 2.0, 1.25, 0.75], dtype=np.float32), offset=[0.1, -0.2, 0.0, 0.3],
                         name="rescale_channels")(x)
    x = layers.Normalization(axis=None, mean=0.25, variance=4.0, name="normalization_given")(x)
    x = layers.Normalization(mean=[0.1, -0.3, 0.2, 0.0], variance=[1.5, 0.0, 0.25, 3.0], invert=True,
                             name="denormalization")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(3, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=NAME)


def main():
    out = os.path.abspath(sys.argv[1])
    keras, np = start_keras()
    model = build(keras, np)
    seed_weights(keras, model)      # the adapted statistics stay what adapt() found
    directory = os.path.join(out, NAME)
    os.makedirs(directory, exist_ok=True)
    os.makedirs(os.path.join(out, ".work"), exist_ok=True)      # where the worker leaves its summary
    model.save(os.path.join(directory, "k3.keras"))
    model.save(os.path.join(directory, "k3_full.h5"))
    worker(out, out, [NAME], {}, {NAME: "small"})
    run_case(case(f"{NAME}_train", NAME), out, out)


if __name__ == "__main__":
    main()

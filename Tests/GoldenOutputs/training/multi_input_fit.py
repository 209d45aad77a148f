"""Keras 3's `model.fit` on a model of two inputs: the reference for Tests/TrainingTests/MultiInputFitTests.swift.

Usage: multi_input_fit.py OUT_DIR

The skin-lesion classifiers that carry clinical metadata take an image and a short vector (age, sex, site) side by
side. This builds a tiny seeded one: the image through a convolution and global pooling, the metadata through a
Dense layer, the two concatenated under a softmax head (the Dense layers with L2 regularisers), saves it as
OUT_DIR/initial.keras, and runs

    fit([images, metadata], labels, batch_size=4, epochs=3, validation_data=([images, metadata], labels),
        shuffle=False)

with Adam, over 10 training samples (batches of 4, 4 and 2) and 6 validation samples.

Writes OUT_DIR/fit.safetensors (`train/images`, `train/metadata`, `train/labels`, the same under `validation/`, and
`final/<layer>/<weight>`: every weight after the fit) and OUT_DIR/fit.json (the History: per-epoch loss, accuracy,
val_loss, val_accuracy; the fit arguments).
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import keras
from safetensors.numpy import save_file

HEIGHT, WIDTH, CHANNELS, METADATA, CLASSES = 9, 7, 3, 5, 3
TRAIN, VALIDATION, BATCH, EPOCHS = 10, 6, 4, 3
LEARNING_RATE = 0.01


def build():
    keras.utils.set_random_seed(2026)
    L = keras.layers
    image = keras.Input((HEIGHT, WIDTH, CHANNELS), name="image")
    metadata = keras.Input((METADATA,), name="metadata")
    x = L.Conv2D(6, 3, padding="same", activation="relu", name="conv")(image)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    m = L.Dense(4, activation="relu", kernel_regularizer=keras.regularizers.L2(1e-3), name="metadata_dense")(metadata)
    x = L.Concatenate(name="joined")([x, m])
    outputs = L.Dense(CLASSES, activation="softmax", kernel_regularizer=keras.regularizers.L2(1e-3), name="predictions")(x)
    return keras.Model([image, metadata], outputs, name="lesion_with_metadata")


def samples(rng, count):
    images = rng.uniform(-1, 1, (count, HEIGHT, WIDTH, CHANNELS)).astype(np.float32)
    metadata = rng.uniform(-1, 1, (count, METADATA)).astype(np.float32)
    labels = np.eye(CLASSES, dtype=np.float32)[rng.integers(0, CLASSES, count)]
    return images, metadata, labels


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    model = build()
    model.save(os.path.join(out_dir, "initial.keras"))
    rng = np.random.default_rng(7)
    train, validation = samples(rng, TRAIN), samples(rng, VALIDATION)
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(list(train[:2]), train[2], batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0,
                        validation_data=(list(validation[:2]), validation[2]))
    tensors = {}
    for split, (images, metadata, labels) in (("train", train), ("validation", validation)):
        tensors.update({f"{split}/images": images, f"{split}/metadata": metadata, f"{split}/labels": labels})
    for weight in model.weights:
        tensors[f"final/{weight.path}"] = np.ascontiguousarray(keras.ops.convert_to_numpy(weight), dtype=np.float32)
    save_file(tensors, os.path.join(out_dir, "fit.safetensors"))
    listing = {"history": {key: [float(v) for v in values] for key, values in history.history.items()},
               "batch_size": BATCH, "epochs": EPOCHS, "learning_rate": LEARNING_RATE, "inputs": ["image", "metadata"]}
    with open(os.path.join(out_dir, "fit.json"), "w") as f:
        json.dump(listing, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])

"""Keras 3's `model.fit` over a Python generator: the reference for Tests/TrainingTests/FitKerasTests.swift.

Usage: fit_reference.py OUT_DIR

Builds a tiny seeded CNN (convolution with an L2 kernel regulariser, a trainable BatchNormalization, pooling, a
softmax Dense head with an L2 regulariser), saves it as OUT_DIR/initial.keras, then runs

    fit(generator, steps_per_epoch=3, epochs=3, validation_data=validation, validation_steps=2,
        shuffle=False, callbacks=[ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_delta=10)])

- the training generator cycles endlessly over 4 fixed batches of 4, 3, 4 and 2 images, so a pass (4 batches)
  is not an epoch (3 steps): epoch 2 starts mid-pass, and batches of different sizes weigh the loss mean;
- the validation data is a `PyDataset` of 3 fixed batches (what `flow_from_directory` is in Keras 3): Keras
  restarts it for every evaluation and takes its first `validation_steps`;
- `min_delta=10` makes every epoch after the first a plateau, so the learning rate halves at the end of the
  second and the third epoch, and the third trains at the halved rate.

Then the same model from the same initial weights and batches with
`EarlyStopping(monitor="val_loss", min_delta=10, patience=1, restore_best_weights=True)` over up to 5 epochs: it
stops after epoch 2 and puts epoch 1's weights back.

Writes OUT_DIR/fit.safetensors (`train/<i>/input|labels`, `validation/<i>/input|labels`, `final/<layer>/<weight>`
and `stopped/<layer>/<weight>`: every weight after each fit, moving statistics included) and OUT_DIR/fit.json (each
run's History: per-epoch loss, accuracy, val_loss, val_accuracy and, with ReduceLROnPlateau, learning_rate; the fit
arguments).
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import keras
from safetensors.numpy import save_file

SIZE, CHANNELS, CLASSES = 8, 3, 3
TRAIN_BATCHES = [4, 3, 4, 2]    # the first two differ, so Keras' generator spec leaves the batch size open
VALIDATION_BATCHES = [4, 4, 2]
STEPS_PER_EPOCH, EPOCHS, VALIDATION_STEPS = 3, 3, 2
LEARNING_RATE = 0.01
PLATEAU = {"monitor": "val_loss", "factor": 0.5, "patience": 1, "min_delta": 10.0}
STOPPING = {"monitor": "val_loss", "min_delta": 10.0, "patience": 1, "restore_best_weights": True}
STOPPING_EPOCHS = 5


def build():
    keras.utils.set_random_seed(1234)
    L = keras.layers
    inputs = keras.Input((SIZE, SIZE, CHANNELS), name="input_1")
    x = L.Conv2D(4, 3, padding="same", activation="relu", kernel_regularizer=keras.regularizers.L2(1e-3), name="conv")(inputs)
    x = L.BatchNormalization(name="bn")(x)
    x = L.MaxPooling2D(name="pool")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    outputs = L.Dense(CLASSES, activation="softmax", kernel_regularizer=keras.regularizers.L2(1e-3), name="predictions")(x)
    return keras.Model(inputs, outputs, name="fit_cnn")


def batches(rng, sizes):
    result = []
    for size in sizes:
        x = rng.normal(0, 1, (size, SIZE, SIZE, CHANNELS)).astype(np.float32)
        y = np.eye(CLASSES, dtype=np.float32)[rng.integers(0, CLASSES, size)]
        result.append((x, y))
    return result


class Validation(keras.utils.PyDataset):
    def __init__(self, data):
        super().__init__()
        self.data = data

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        return self.data[index]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(2026)
    train, validation = batches(rng, TRAIN_BATCHES), batches(rng, VALIDATION_BATCHES)

    model = build()
    model.save(os.path.join(out, "initial.keras"))

    def run(callback, epochs):
        """A fit from the initial weights, with a fresh generator and a fresh optimizer."""
        model = keras.models.load_model(os.path.join(out, "initial.keras"))
        model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="categorical_crossentropy", metrics=["accuracy"])

        def generator():
            while True:
                yield from train

        history = model.fit(generator(), steps_per_epoch=STEPS_PER_EPOCH, epochs=epochs, validation_data=Validation(validation),
                            validation_steps=VALIDATION_STEPS, shuffle=False, verbose=0, callbacks=[callback])
        return model, {key: [float(v) for v in values] for key, values in history.history.items()}

    model, history = run(keras.callbacks.ReduceLROnPlateau(**PLATEAU), EPOCHS)
    stopped, stopped_history = run(keras.callbacks.EarlyStopping(**STOPPING), STOPPING_EPOCHS)

    tensors = {}
    for i, (x, y) in enumerate(train):
        tensors[f"train/{i}/input"], tensors[f"train/{i}/labels"] = x, y
    for i, (x, y) in enumerate(validation):
        tensors[f"validation/{i}/input"], tensors[f"validation/{i}/labels"] = x, y
    for prefix, fitted in (("final", model), ("stopped", stopped)):
        for layer in fitted.layers:
            for weight in layer.weights:
                tensors[f"{prefix}/{layer.name}/{weight.name}"] = np.asarray(weight.numpy(), np.float32)
    save_file(tensors, os.path.join(out, "fit.safetensors"))

    listing = {
        "history": history, "stopped_history": stopped_history, "stopping": STOPPING, "stopping_epochs": STOPPING_EPOCHS,
        "train_batches": len(train), "validation_batches": len(validation),
        "steps_per_epoch": STEPS_PER_EPOCH, "epochs": EPOCHS, "validation_steps": VALIDATION_STEPS,
        "learning_rate": LEARNING_RATE, "plateau": PLATEAU,
        "keras_version": keras.__version__,
    }
    with open(os.path.join(out, "fit.json"), "w") as f:
        json.dump(listing, f, indent=1)


if __name__ == "__main__":
    main()

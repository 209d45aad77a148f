"""Keras 3's `model.fit` over `flow_from_directory`: the reference for `zoo train` end to end
(Tests/TrainingTests/TrainCommandTests.swift).

Usage: train_reference.py DATA_DIR VAL_DIR OUT_DIR [CLASS_WEIGHT_JSON]

Builds fit_reference.py's tiny CNN (8x8 RGB in, 3 softmax units, L2 regularisers, a trainable BatchNormalization),
saves it as OUT_DIR/initial.keras, and trains it as the notebooks' pipeline feeds a model, with no augmentation
and no shuffling (what `zoo train --no-augment --no-shuffle` does):

    generator = ImageDataGenerator(rescale=1/255)        (Keras 3's legacy preprocessing, as the notebooks')
    train = generator.flow_from_directory(DATA_DIR, target_size=(8, 8), batch_size=4, shuffle=False)
    fit(train, epochs=2, validation_data=generator.flow_from_directory(VAL_DIR, ...), shuffle=False), Adam() (0.001)

(`fit`'s own `shuffle`, True by default, would also shuffle the order of a `PyDataset`'s batches every epoch.)
CLASS_WEIGHT_JSON, e.g. '{"0": 0.5, "2": 2}', is passed to fit as `class_weight` (class index: weight).

`steps_per_epoch` and `validation_steps` are Keras' defaults: one pass, ceil(images / 4). Writes OUT_DIR/train.json
(the History) and OUT_DIR/train.safetensors (`final/<layer>/<weight>`, every weight after fit).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fit_reference import SIZE, build  # noqa: E402  (sets the TensorFlow environment first)

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras.src.legacy.preprocessing.image import ImageDataGenerator  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402

BATCH, EPOCHS = 4, 2


def main():
    data, validation, out = sys.argv[1:4]
    class_weight = {int(k): float(v) for k, v in json.loads(sys.argv[4]).items()} if len(sys.argv) > 4 else None
    os.makedirs(out, exist_ok=True)
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(), loss="categorical_crossentropy", metrics=["accuracy"])
    model.save(os.path.join(out, "initial.keras"))

    generator = ImageDataGenerator(rescale=1. / 255)
    flow = dict(target_size=(SIZE, SIZE), batch_size=BATCH, class_mode="categorical", shuffle=False, interpolation="nearest")
    history = model.fit(generator.flow_from_directory(data, **flow), epochs=EPOCHS, verbose=0, shuffle=False, class_weight=class_weight,
                        validation_data=generator.flow_from_directory(validation, **flow))

    save_file({f"final/{layer.name}/{weight.name}": np.asarray(weight.numpy(), np.float32)
               for layer in model.layers for weight in layer.weights}, os.path.join(out, "train.safetensors"))
    with open(os.path.join(out, "train.json"), "w") as f:
        json.dump({"history": {key: [float(v) for v in values] for key, values in history.history.items()},
                   "batch_size": BATCH, "epochs": EPOCHS, "keras_version": keras.__version__}, f, indent=1)


if __name__ == "__main__":
    main()

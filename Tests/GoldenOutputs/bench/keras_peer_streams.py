"""Checks Benchmarks/peers/keras_recipe.py's image streams inside Keras 3 itself (KerasPeerTests):

- `Images.scores` gives every image its own probability, in order, on a split of three batches and more (the first
  version took batches from a cursor, and Keras' peeks at a PyDataset shifted its scores by two batches);
- `model.fit` over `Images.dataset()` sees, epoch after epoch, exactly the batches of the continued stream
  (batch `epoch x steps + index`), for a training stream (shuffled, n // bs steps) and a validation stream.

Usage: keras_peer_streams.py SCRATCH_DIR. Prints "ok" and exits 0, or names the first mismatch and exits 1.
"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "Benchmarks", "peers"))
from peer_timing import quiet_tensorflow  # noqa: E402

quiet_tensorflow()
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from PIL import Image  # noqa: E402

import keras_recipe  # noqa: E402

SIZE, BATCH, IMAGES = 8, 4, 14   # 14 images at batch 4: passes of 4 batches, the last of 2 images


def main():
    scratch = sys.argv[1]
    os.makedirs(scratch, exist_ok=True)
    entries = []
    for number in range(IMAGES):
        # Image k is uniformly k * 15: its brightness identifies it through any model that keeps the mean.
        path = os.path.join(scratch, f"image_{number:02d}.png")
        Image.fromarray(np.full((SIZE, SIZE, 3), number * 15, np.uint8)).save(path)
        entries.append([path, number % 2])
    recipe = {"input": {"size": SIZE, "interpolation": "nearest", "preprocessing": "rescale:0.00392156862745098"},
              "training": {}}

    # A model whose positive-class probability is a strictly increasing function of the image's brightness.
    inputs = keras.Input((SIZE, SIZE, 3))
    mean = keras.layers.GlobalAveragePooling2D()(inputs)
    logits = keras.layers.Dense(2, kernel_initializer=keras.initializers.Constant([[0, 1]] * 3), use_bias=False)(mean)
    model = keras.Model(inputs, keras.layers.Softmax()(logits))
    images = keras_recipe.Images(keras, tf, recipe, entries, 1, BATCH, (IMAGES + BATCH - 1) // BATCH, False, False, 2019)
    scores = images.scores(model)
    expected = [float(model.predict_on_batch(np.stack([images.load(path)]))[0, 1]) for path, _ in entries]
    if not np.allclose(scores, expected, rtol=0, atol=1e-6) or scores != sorted(scores):
        print(f"scores out of order: {scores} vs {expected}")
        return 1

    # What fit reads: every batch the model trains on or validates on, by the brightness of its images.
    seen = {"train": [], "validation": []}

    class Recorder(keras.layers.Layer):
        def call(self, x, training=None):
            ids = tf.cast(tf.round(tf.reduce_mean(x, axis=[1, 2, 3]) * 255 / 15), tf.int32)
            tf.py_function(lambda i, t: seen["train" if bool(t) else "validation"].append(i.numpy().tolist()),
                           [ids, tf.constant(bool(training))], [])
            return x

    recorded = keras.Sequential([keras.Input((SIZE, SIZE, 3)), Recorder(), keras.layers.GlobalAveragePooling2D(),
                                 keras.layers.Dense(2, activation="softmax")])
    recorded.compile(optimizer="sgd", loss="categorical_crossentropy", run_eagerly=True)
    train = keras_recipe.Images(keras, tf, recipe, entries, 1, BATCH, IMAGES // BATCH, True, False, 2019)
    validation = keras_recipe.Images(keras, tf, recipe, entries, 1, BATCH, IMAGES // BATCH, False, False, 2019)
    epochs = 3
    recorded.fit(train.dataset(tf), validation_data=validation.dataset(tf), epochs=epochs, verbose=0, shuffle=False,
                 callbacks=keras_recipe.callbacks(keras, {"training": {"callbacks": {}}}, "seed", epochs, [train, validation]))
    reference = keras_recipe.Images(keras, tf, recipe, entries, 1, BATCH, IMAGES // BATCH, True, False, 2019)
    for name, stream, steps in (("train", reference, IMAGES // BATCH), ("validation", validation, IMAGES // BATCH)):
        wanted = [[int(round(v * 255 / 15)) for v in stream.batch(number)[0].mean(axis=(1, 2, 3))]
                  for number in range(epochs * steps)]
        if seen[name] != wanted:
            print(f"{name} batches differ from the continued stream:\n  fit read  {seen[name]}\n  stream is {wanted}")
            return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Keras 3 checkpoints that hold more than the architecture a user converts: the reference for
Tests/ConverterTests/PartialConversionTests.swift (`zoo convert --partial`, `zoo inspect` of subclassed models).

Usage: partial_checkpoints.py OUT_DIR

Writes into OUT_DIR:
- backbone.keras: a tiny functional backbone (b_conv1, b_bn, b_conv2): the architecture (`--arch`);
  backbone.safetensors: the tensors Keras holds after loading it (check_converted.py's `keras_tensors`, read
  here once so the tests compare without starting TensorFlow again);
- functional.weights.h5, functional.keras: the backbone's own layers (same objects, same weights) plus a Dense
  head, as one functional model: what `--partial` extracts the backbone from;
- subclassed.weights.h5, subclassed.keras: a `keras.Model` subclass whose attributes (stem, norm, convs[0],
  classifier) hold layers named as the backbone's, with the same weights, compiled and trained for one step, so
  the file also holds optimizer variables (which are not model tensors);
- missing.weights.h5: functional.weights.h5 without b_conv2's group; wrong_shape.weights.h5: subclassed.weights.h5
  with b_conv2's kernel stored as (3, 3, 4, 5) instead of (3, 3, 4, 6);
- vgg_finetuned.weights.h5: a subclassed fine-tuned model, keras.applications.VGG16(include_top=False) at 32x32 as
  its `backbone` attribute plus a Dense head; vgg16_notop.safetensors: the tensors of that backbone alone
  (a `keras.applications.VGG16(include_top=False)` model) after Keras saved it as .keras and loaded it back;
  vgg16_notop.activations.safetensors: that backbone's every layer output on a seeded N(0, 1) batch of one
  32x32 images, as `zoo verify --golden` reads them (`inputs/normal`, `<layer>/normal`, metadata `cases`);
- partial.json: `tensors`, for each `.weights.h5` above, what h5py finds in it (path -> shape: every dataset in a
  `vars` group, optimizer variables apart); `wrong_shape_kernel`, the path of wrong_shape.weights.h5's bad kernel.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import h5py
import numpy as np
import keras
from safetensors.numpy import save_file

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from check_converted import keras_tensors  # noqa: E402  (the converter tests' own reading of a .keras file)

SIZE, CLASSES = 8, 3


def randomize(model, rng):
    """Every weight non-trivial (moving variance positive), so a tensor in the wrong place cannot pass."""
    for layer in model.layers:
        values = [rng.standard_normal(w.shape).astype("float32") for w in layer.get_weights()]
        if isinstance(layer, keras.layers.BatchNormalization):
            values[3] = np.abs(values[3]) + 0.5
        layer.set_weights(values)


def functional_models(rng):
    inputs = keras.Input((SIZE, SIZE, 3), name="image")
    x = keras.layers.Conv2D(4, 3, padding="same", name="b_conv1")(inputs)
    x = keras.layers.BatchNormalization(name="b_bn")(x)
    x = keras.layers.ReLU(name="b_relu")(x)
    x = keras.layers.MaxPooling2D(name="b_pool")(x)
    features = keras.layers.Conv2D(6, 3, padding="same", name="b_conv2")(x)
    pooled = keras.layers.GlobalAveragePooling2D(name="pool")(features)
    logits = keras.layers.Dense(CLASSES, name="head")(pooled)
    full = keras.Model(inputs, logits, name="functional")
    randomize(full, rng)
    backbone = keras.Model(inputs, features, name="backbone")
    return backbone, full


@keras.saving.register_keras_serializable(package="zoo_partial")
class Subclassed(keras.Model):
    """Attribute names differ from the layer names on purpose: the file is keyed by the attributes."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stem = keras.layers.Conv2D(4, 3, padding="same", name="b_conv1")
        self.norm = keras.layers.BatchNormalization(name="b_bn")
        self.convs = [keras.layers.Conv2D(6, 3, padding="same", name="b_conv2")]
        self.classifier = keras.layers.Dense(CLASSES, name="head")

    def call(self, x):
        x = keras.ops.relu(self.norm(self.stem(x)))
        x = keras.ops.max_pool(x, 2, 2)
        for conv in self.convs:
            x = conv(x)
        return self.classifier(keras.ops.mean(x, axis=(1, 2)))


@keras.saving.register_keras_serializable(package="zoo_partial")
class FineTuned(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.backbone = keras.applications.VGG16(include_top=False, weights=None, input_shape=(32, 32, 3))
        self.flatten = keras.layers.Flatten()
        self.head = keras.layers.Dense(CLASSES, name="head")

    def call(self, x):
        return self.head(self.flatten(self.backbone(x)))


def write_activations(model, path):
    """Every layer's output on one seeded case, in the golden-activations layout (Sources/Zoo/Parity)."""
    x = np.random.default_rng(11).standard_normal((1,) + tuple(model.input.shape[1:])).astype("float32")
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    outputs = keras.Model(model.input, [layer.output for layer in layers])(x, training=False)
    tensors = {"inputs/normal": x}
    tensors.update({f"{layer.name}/normal": np.asarray(out, dtype="float32") for layer, out in zip(layers, outputs)})
    save_file(tensors, path, metadata={"cases": "normal", "checkpoint": "vgg16_notop.keras", "preprocess": "none",
                                        "keras_version": keras.__version__})


def stored_tensors(path):
    """Every dataset under a `vars` group outside the optimizer's: path -> shape."""
    found = {}
    with h5py.File(path, "r") as f:
        def visit(name, item):
            parts = name.split("/")
            if isinstance(item, h5py.Dataset) and len(parts) >= 2 and parts[-2] == "vars" and parts[0] != "optimizer":
                found["/" + name] = list(item.shape)
        f.visititems(visit)
    return found


def group_of_layer(f, layer):
    """The HDF5 group holding `vars` whose name attribute is `layer`."""
    hits = []
    def visit(name, item):
        if isinstance(item, h5py.Group) and name.endswith("/vars") and item.attrs.get("name") == layer:
            hits.append(name[: -len("/vars")])
    f.visititems(visit)
    assert len(hits) == 1, (layer, hits)
    return hits[0]


def main(out):
    os.makedirs(out, exist_ok=True)
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    path = lambda name: os.path.join(out, name)

    backbone, full = functional_models(rng)
    backbone.save(path("backbone.keras"))
    save_file(keras_tensors(path("backbone.keras")), path("backbone.safetensors"))
    full.save_weights(path("functional.weights.h5"))
    full.save(path("functional.keras"))

    model = Subclassed(name="subclassed")
    model.compile(optimizer="adam", loss="mse")
    images = rng.standard_normal((2, SIZE, SIZE, 3)).astype("float32")
    model.fit(images, np.zeros((2, CLASSES), "float32"), epochs=1, verbose=0)
    for name in ["b_conv1", "b_bn", "b_conv2", "head"]:
        source = full.get_layer(name)
        target = {"b_conv1": model.stem, "b_bn": model.norm, "b_conv2": model.convs[0], "head": model.classifier}[name]
        target.set_weights(source.get_weights())
    model.save_weights(path("subclassed.weights.h5"))
    model.save(path("subclassed.keras"))

    with h5py.File(path("functional.weights.h5"), "r") as source, h5py.File(path("missing.weights.h5"), "w") as target:
        for key, value in source.attrs.items():
            target.attrs[key] = value
        for key in source:
            source.copy(source[key], target, name=key)
        del target[group_of_layer(target, "b_conv2")]

    with h5py.File(path("subclassed.weights.h5"), "r") as source, h5py.File(path("wrong_shape.weights.h5"), "w") as target:
        for key in source:
            source.copy(source[key], target, name=key)
        kernel = group_of_layer(target, "b_conv2") + "/vars/0"
        del target[kernel]
        target[kernel] = rng.standard_normal((3, 3, 4, 5)).astype("float32")

    tuned = FineTuned(name="fine_tuned")
    tuned(np.zeros((1, 32, 32, 3), "float32"))
    tuned.save_weights(path("vgg_finetuned.weights.h5"))
    tuned.backbone.save(path("vgg16_notop.keras"))
    write_activations(tuned.backbone, path("vgg16_notop.activations.safetensors"))
    save_file(keras_tensors(path("vgg16_notop.keras")), path("vgg16_notop.safetensors"))
    os.remove(path("vgg16_notop.keras"))

    with h5py.File(path("wrong_shape.weights.h5"), "r") as f:
        kernel = "/" + group_of_layer(f, "b_conv2") + "/vars/0"
    listing = {
        "tensors": {name: stored_tensors(path(name))
                    for name in ["functional.weights.h5", "subclassed.weights.h5", "vgg_finetuned.weights.h5"]},
        "wrong_shape_kernel": kernel,
    }
    with open(path("partial.json"), "w") as f:
        json.dump(listing, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])

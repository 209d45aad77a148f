#!/usr/bin/env python3
"""A tiny skin-lesion classifier with a clinical-metadata input and two outputs, and its Keras references, written
when the test runs (issue 14: multi-input and multi-output models).

    lesion_with_metadata.py OUT_DIR

Builds `lesion_with_metadata` with Keras 3, the shape published ISIC models have (an image and 10 metadata values,
such as age, sex and lesion site, next to it):

    image (16x14x3, 0...255) -> rescale (Rescaling 1/127.5, offset -1) -> sep (SeparableConv2D 3x3, relu)
        -> pool (MaxPooling2D) -> conv (Conv2D 3x3) -> gap
    metadata (10) -> metadata_normalization (Normalization, adapted by Keras' adapt()) -> metadata_dense (Dense, relu)
    joined (Concatenate) -> diagnosis (Dense 3, softmax) and malignancy (Dense 1, sigmoid): two outputs

gives every other weight its seeded value (test_time_models.py), and writes, in the layout of the golden sets:

    OUT_DIR/lesion_with_metadata/k3.keras                 Keras 3 `model.save`
    OUT_DIR/lesion_with_metadata/activations.safetensors  every layer's output on the cases normal (batch 2), image
                                                          (the golden synthetic picture, with metadata values) and
                                                          large; each input under `inputs/<input>/<case>`, their names
                                                          in the metadata `inputs`, the outputs in `outputs`
    OUT_DIR/lesion_with_metadata/image.png                the synthetic picture, as a PNG for `zoo predict`
    OUT_DIR/lesion_with_metadata/metadata.npy             the image case's metadata values (float32, shape (10,))
    OUT_DIR/lesion_with_metadata/image_case.json          Keras' outputs for those two, by output name

activations.py's worker covers models with one input (generate.py's golden sets have no other); this script's
activations come from test_time_models.py's `write_activations`, the same layer route for several inputs.

One TensorFlow start, about 10 s.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from test_time_models import seed_weights, start_keras, write_activations    # noqa: E402
from activations import LARGE_STD, SEED, rng_for, synthetic_image   # noqa: E402

NAME = "lesion_with_metadata"
IMAGE = (16, 14, 3)
METADATA = 10


def build(keras, np):
    layers = keras.layers
    image = keras.Input(IMAGE, name="image")
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="rescale")(image)
    x = layers.SeparableConv2D(8, 3, padding="same", activation="relu", name="sep")(x)
    x = layers.MaxPooling2D(name="pool")(x)
    x = layers.Conv2D(6, 3, name="conv")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    metadata = keras.Input((METADATA,), name="metadata")
    normalization = layers.Normalization(name="metadata_normalization")
    normalization.adapt(np.random.default_rng(SEED).normal(40.0, 15.0, (64, METADATA)).astype(np.float32))
    m = normalization(metadata)
    m = layers.Dense(8, activation="relu", name="metadata_dense")(m)
    joined = layers.Concatenate(name="joined")([x, m])
    diagnosis = layers.Dense(3, activation="softmax", name="diagnosis")(joined)
    malignancy = layers.Dense(1, activation="sigmoid", name="malignancy")(joined)
    return keras.Model([image, metadata], [diagnosis, malignancy], name=NAME)


def case_inputs(case, np):
    """Each input's values for a case, in the model's input order."""
    if case == "image":
        picture = synthetic_image(*IMAGE[:2]).astype(np.float32)[None]
        return [picture, rng_for(case, (1, METADATA)).normal(40.0, 15.0, (1, METADATA)).astype(np.float32)]
    batch, scale = (2, 1.0) if case == "normal" else (1, LARGE_STD)
    return [np.float32(scale) * rng_for(case, (batch,) + shape).standard_normal((batch,) + shape, dtype=np.float32)
            for shape in (IMAGE, (METADATA,))]


def main():
    out = os.path.abspath(sys.argv[1])
    keras, np = start_keras()
    from PIL import Image
    model = build(keras, np)
    seed_weights(keras, model)
    directory = os.path.join(out, NAME)
    os.makedirs(directory, exist_ok=True)
    model.save(os.path.join(directory, "k3.keras"))

    cases = {case: case_inputs(case, np) for case in ("normal", "image", "large")}
    names = write_activations(keras, model, os.path.join(directory, "activations.safetensors"), cases,
                              {"model": NAME, "checkpoint": f"{NAME}/k3.keras", "preprocess": "none", "seed": str(SEED)})
    outputs = [tensor._keras_history.operation.name for tensor in model.outputs]

    # The image case as files, for zoo predict --input: the picture and the metadata values Keras saw with it.
    image, metadata = case_inputs("image", np)
    Image.fromarray(image[0].astype(np.uint8)).save(os.path.join(directory, "image.png"))
    np.save(os.path.join(directory, "metadata.npy"), metadata[0])
    with open(os.path.join(directory, "image_case.json"), "w") as handle:
        json.dump({name: value[0].tolist() for name, value in zip(outputs, model.predict([image, metadata], verbose=0))}, handle)
    print(f"    {NAME}: {len(names)} layers, outputs {outputs}")


if __name__ == "__main__":
    main()

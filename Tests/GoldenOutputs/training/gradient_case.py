#!/usr/bin/env python3
"""A golden gradient case for your own Keras model, for `zoo verify MODEL --golden DIR/CASE --gradients`.

    gradient_case.py --model MODEL.keras --out DIR [--case NAME] [--loss LOSS] [--frozen-bn tf2|keras2]
                     [--trainable checkpoint|all|LAYER,...]

Writes DIR/NAME/reference.safetensors and DIR/NAME/case.json as gradients.py writes the reference set's cases
(its `run_case`, unchanged): a seeded batch of 4 standard-normal inputs at the model's input size, seeded labels
for LOSS (categorical_crossentropy by default; sparse_categorical_crossentropy, binary_crossentropy, or dot: a
seeded dL/d(output)), dropout off, and TensorFlow's GradientTape gradients of the loss (with the model's
regularisers) with respect to every trainable weight and the input. --trainable: the checkpoint's own flags
(default), every layer, or only the layers named. Then:

    zoo convert MODEL.keras -o model.safetensors
    zoo verify model.safetensors --golden DIR/NAME --gradients [--report gradients.md]
"""

import argparse
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from gradients import CCE, case, run_case      # noqa: E402
from generate import quiet_tf                  # noqa: E402

LOSSES = [CCE, "sparse_categorical_crossentropy", "binary_crossentropy", "dot"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="a Keras 3 .keras file")
    ap.add_argument("--out", required=True, help="output directory; the case is written to OUT/NAME")
    ap.add_argument("--case", help="the case's name (default: the model file's name without .keras)")
    ap.add_argument("--loss", default=CCE, choices=LOSSES)
    ap.add_argument("--frozen-bn", default="tf2", choices=["tf2", "keras2"],
                    help="BatchNormalization in training: Keras 3's (tf2) or Keras 2.2's (docs/keras-numerics.md §9.1)")
    ap.add_argument("--trainable", default="checkpoint", help="checkpoint, all, or comma-separated layer names")
    args = ap.parse_args()
    model = os.path.abspath(args.model)
    stem = os.path.splitext(os.path.basename(model))[0]
    if stem.startswith("tiny_"):
        # gradients.py reads a model named tiny_* from the committed fixtures, not from the path given.
        ap.error(f"{model}: the name tiny_* is the reference fixtures'; copy the file to another name")
    unfreeze = {"checkpoint": None, "all": lambda name: True}.get(args.trainable)
    if unfreeze is None and args.trainable != "checkpoint":
        names = {n.strip() for n in args.trainable.split(",") if n.strip()}
        unfreeze = lambda name: name in names                                  # noqa: E731
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    quiet_tf()
    import keras
    keras.config.enable_unsafe_deserialization()      # Lambda layers, as the notebook models have

    # run_case reads `<golden>/<model>/k3.keras`: lay the file out that way in a scratch directory.
    with tempfile.TemporaryDirectory() as golden:
        os.makedirs(os.path.join(golden, stem))
        os.symlink(model, os.path.join(golden, stem, "k3.keras"))
        spec = case(args.case or stem, stem, loss=args.loss, frozen_bn=args.frozen_bn, unfreeze=unfreeze)
        run_case(spec, golden, os.path.abspath(args.out))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A tf-keras model whose Dense layer `gate` uses the `hard_sigmoid` activation, which tf-keras defines as
clip(0.2 * x + 0.5, 0, 1) and Keras 3 as relu6(x + 3) / 6 (docs/keras-numerics.md §5): `zoo convert` must refuse it.

    tf_keras_hard_sigmoid.py OUT.h5     (a tf-keras full-model .h5, ~3 s)
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tf_keras  # noqa: E402

model = tf_keras.Sequential([tf_keras.Input((4,), name="input_1"),
                             tf_keras.layers.Dense(3, activation="hard_sigmoid", name="gate")], name="gated")
model.save(sys.argv[1])

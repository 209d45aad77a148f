"""Keras' optimizers stepped on fixed variables and gradients: the reference for Tests/TrainingTests.

Usage: optimizer_reference.py OUT_DIR

Builds three float32 variables (a 3x3x2x4 convolution kernel, its bias, an 8x5 dense kernel) and five steps of
gradients from seeded numpy, applies them with `apply_gradients` of Keras 3 (TensorFlow backend) for every
configuration below, and with tf-keras (the Keras 2 API) for Adam and SGD with momentum, setting
`optimizer.learning_rate` before each step (a change after step 3, as a callback would make it). Writes
OUT_DIR/optimizers.safetensors (`initial/<var>`, `gradient/<step>/<var>`, `<config>/<step>/<var>`: the values
after each step, steps from 1) and OUT_DIR/optimizers.json (the configurations, their learning rates per step,
the variables' names and shapes). One process for all of it: TensorFlow's start-up dominates.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import tensorflow as tf
import keras
import tf_keras
from safetensors.numpy import save_file

STEPS = 5
SHAPES = {"conv/kernel": (3, 3, 2, 4), "conv/bias": (4,), "dense/kernel": (8, 5)}

# name, API, optimizer class, keyword arguments, learning rate per step (changed after step 3 where it differs).
CONFIGS = [
    ("adam", "keras3", "Adam", {}, [1e-3] * 5),
    ("adam_lr_change", "keras3", "Adam", {}, [1e-3] * 3 + [1e-4] * 2),
    ("sgd", "keras3", "SGD", {}, [0.01] * 3 + [0.002] * 2),
    ("sgd_momentum", "keras3", "SGD", {"momentum": 0.9}, [0.01] * 3 + [0.002] * 2),
    ("sgd_nesterov", "keras3", "SGD", {"momentum": 0.9, "nesterov": True}, [0.01] * 3 + [0.002] * 2),
    ("rmsprop", "keras3", "RMSprop", {}, [1e-3] * 3 + [3e-4] * 2),
    ("rmsprop_centered_momentum", "keras3", "RMSprop", {"centered": True, "momentum": 0.5}, [1e-3] * 3 + [3e-4] * 2),
    ("tf_keras_adam_lr_change", "tf_keras", "Adam", {}, [1e-3] * 3 + [1e-4] * 2),
    ("tf_keras_sgd_momentum", "tf_keras", "SGD", {"momentum": 0.9}, [0.01] * 3 + [0.002] * 2),
]


def inputs():
    rng = np.random.default_rng(2026)
    initial = {name: rng.normal(0, 0.5, shape).astype(np.float32) for name, shape in SHAPES.items()}
    # Gradients of different scales per variable and step, so the adaptive optimizers see more than one regime.
    # The bias's are tiny (about 1e-6, near Adam's epsilon), where the placement of epsilon decides the step:
    # the test's deliberately wrong Adam (epsilon added after the bias correction) must fail there.
    gradients = [
        {name: (rng.normal(0, 1, shape) * scale * (1 + step)).astype(np.float32)
         for (name, shape), scale in zip(SHAPES.items(), (0.3, 1e-6, 2.0))}
        for step in range(STEPS)
    ]
    return initial, gradients


def run(api, cls, kwargs, rates, initial, gradients):
    if api == "keras3":
        variables = [keras.Variable(initial[name], dtype="float32", name=name.replace("/", "_")) for name in SHAPES]
        optimizer = getattr(keras.optimizers, cls)(learning_rate=rates[0], **kwargs)
    else:
        variables = [tf.Variable(initial[name], dtype=tf.float32, name=name.replace("/", "_")) for name in SHAPES]
        optimizer = getattr(tf_keras.optimizers, cls)(learning_rate=rates[0], **kwargs)
    after = []
    for step, rate in enumerate(rates):
        optimizer.learning_rate = rate
        optimizer.apply_gradients([(tf.constant(gradients[step][name]), variable)
                                   for name, variable in zip(SHAPES, variables)])
        after.append({name: np.array(variable.numpy(), dtype=np.float32) for name, variable in zip(SHAPES, variables)})
    assert int(optimizer.iterations.numpy()) == len(rates)
    return after


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    initial, gradients = inputs()
    tensors = {f"initial/{name}": value for name, value in initial.items()}
    for step, grads in enumerate(gradients, start=1):
        tensors.update({f"gradient/{step}/{name}": value for name, value in grads.items()})
    for name, api, cls, kwargs, rates in CONFIGS:
        for step, values in enumerate(run(api, cls, kwargs, rates, initial, gradients), start=1):
            tensors.update({f"{name}/{step}/{var}": value for var, value in values.items()})
    save_file(tensors, os.path.join(out, "optimizers.safetensors"))
    listing = {
        "steps": STEPS,
        "variables": [{"name": name, "shape": list(shape)} for name, shape in SHAPES.items()],
        "configs": [{"name": name, "api": api, "optimizer": cls, "arguments": kwargs, "learning_rates": rates}
                    for name, api, cls, kwargs, rates in CONFIGS],
        "versions": {"keras": keras.__version__, "tf_keras": tf_keras.__version__, "tensorflow": tf.__version__},
    }
    with open(os.path.join(out, "optimizers.json"), "w") as handle:
        json.dump(listing, handle, indent=1)


if __name__ == "__main__":
    main()

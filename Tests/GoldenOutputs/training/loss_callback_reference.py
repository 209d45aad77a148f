"""Keras 3's losses, regularisers, initialisers and callbacks on fixed inputs: the reference for Tests/TrainingTests.

Usage: loss_callback_reference.py OUT_DIR

Writes OUT_DIR/losses.safetensors and OUT_DIR/losses.json:
- losses: seeded outputs and targets (rows saturated far below and above Keras' epsilon 1e-7 among them), the
  mean loss and its gradient by GradientTape, for every case in CASES; a case with class weights turns them into
  sample weights with Keras' own `class_weight_to_sample_weights`. The softmax-head case runs in a `tf.function`,
  as `fit` does, where Keras 3 finds the softmax's logits and takes the from-logits path; the same case eagerly
  (no logits to find) gives the clipped-probability gradient, recorded beside it to show the two differ.
- regularisers: L2(0.001) and L1L2(0.01, 0.001) of a kernel and their gradients.
- initialisers: for each initialiser and shape, Keras' fans (`compute_fans`), its own draws' mean, standard
  deviation, minimum and maximum over at least 60,000 values.
- callbacks: the real Keras callbacks driven through a `CallbackList` over a scripted sequence of epoch logs, on
  a one-Dense model whose weights are set to the epoch number at each epoch's start (so restored weights name
  their epoch): learning rate after each epoch, stop, restored epoch, epochs ModelCheckpoint saved, CSV text.
"""
import json
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import tensorflow as tf
import keras
from keras.src.initializers.random_initializers import compute_fans
from keras.src.trainers.data_adapters.data_adapter_utils import class_weight_to_sample_weights
from safetensors.numpy import save_file

ROWS, CLASSES = 6, 5
CLASS_WEIGHT = {0: 2.0, 2: 0.5, 4: 3.0}


def loss_inputs():
    rng = np.random.default_rng(7)
    logits = rng.normal(0, 2, (ROWS, CLASSES)).astype(np.float32)
    logits[0] = [40, 0, -3, 1, -40]      # saturated: some probabilities far below 1e-7, one above 1 - 1e-7
    logits[1] = [-20, 25, 0, 2, 3]
    probabilities = tf.nn.softmax(logits).numpy()
    labels = rng.integers(0, CLASSES, ROWS)
    labels[0], labels[1] = 4, 1          # a saturated-wrong row and a saturated-right row
    onehot = np.eye(CLASSES, dtype=np.float32)[labels]
    binary = (rng.random((ROWS, CLASSES)) > 0.5).astype(np.float32)
    regression = rng.normal(0, 1, (ROWS, CLASSES)).astype(np.float32)
    return logits, probabilities, labels, onehot, binary, regression


def loss_and_gradient(loss, target, output, sample_weight=None):
    variable = tf.Variable(output)
    with tf.GradientTape() as tape:
        value = loss(target, variable, sample_weight=sample_weight)
    return float(value.numpy()), tape.gradient(value, variable).numpy()


def softmax_head(onehot, logits, softmax, in_graph):
    """CategoricalCrossentropy of softmax(z) and its gradient w.r.t. z, in a tf.function as fit runs, or eagerly."""
    variable = tf.Variable(logits)
    loss = keras.losses.CategoricalCrossentropy()

    def run():
        with tf.GradientTape() as tape:
            value = loss(onehot, softmax(variable))
        return value, tape.gradient(value, variable)

    value, gradient = tf.function(run)() if in_graph else run()
    return float(value.numpy()), gradient.numpy()


def losses(tensors):
    logits, probabilities, labels, onehot, binary, regression = loss_inputs()
    sigmoid = tf.math.sigmoid(logits).numpy()
    sample_weights = class_weight_to_sample_weights(onehot, CLASS_WEIGHT)
    cce, sparse, bce = keras.losses.CategoricalCrossentropy, keras.losses.SparseCategoricalCrossentropy, keras.losses.BinaryCrossentropy
    cases = {
        "cce_probabilities": (cce(), onehot, probabilities, None),
        "cce_logits": (cce(from_logits=True), onehot, logits, None),
        "cce_probabilities_class_weight": (cce(), onehot, probabilities, sample_weights),
        "cce_logits_class_weight": (cce(from_logits=True), onehot, logits, sample_weights),
        "sparse_probabilities": (sparse(), labels, probabilities, None),
        "sparse_logits": (sparse(from_logits=True), labels, logits, None),
        "sparse_probabilities_class_weight": (sparse(), labels, probabilities, sample_weights),
        "bce_probabilities": (bce(), binary, sigmoid, None),
        "bce_logits": (bce(from_logits=True), binary, logits, None),
        "mse": (keras.losses.MeanSquaredError(), regression, logits, None),
    }
    listing = {}
    tensors.update({"logits": logits, "probabilities": probabilities, "sigmoid": sigmoid, "onehot": onehot,
                    "binary": binary, "regression": regression})
    for name, (loss, target, output, weights) in cases.items():
        value, gradient = loss_and_gradient(loss, target, output, weights)
        listing[name] = {"loss": value}
        tensors[f"{name}/gradient"] = gradient
    # Keras' softmax caches its logits on its output, in a graph and eagerly alike: both take the logits path.
    # tf.nn.softmax run eagerly leaves nothing to find, so there Keras clips the probabilities.
    heads = {"softmax_head_fit": (keras.activations.softmax, True), "softmax_head_eager": (keras.activations.softmax, False),
             "softmax_head_tf_nn_eager": (tf.nn.softmax, False)}
    for name, (softmax, in_graph) in heads.items():
        value, gradient = softmax_head(onehot, logits, softmax, in_graph)
        listing[name] = {"loss": value}
        tensors[f"{name}/gradient"] = gradient
    return listing, {"labels": labels.tolist(), "class_weight": {str(k): v for k, v in CLASS_WEIGHT.items()},
                     "sample_weights": sample_weights.tolist()}


def regularizers(tensors):
    kernel = np.random.default_rng(11).normal(0, 0.5, (3, 3, 2, 4)).astype(np.float32)
    kernel[0, 0, 0, 0] = 0.0             # L1's gradient at zero
    tensors["kernel"] = kernel
    listing = {}
    for name, regularizer in (("l2", keras.regularizers.L2(0.001)), ("l1l2", keras.regularizers.L1L2(l1=0.01, l2=0.001))):
        variable = tf.Variable(kernel)
        with tf.GradientTape() as tape:
            value = regularizer(variable)
        tensors[f"{name}/gradient"] = tape.gradient(value, variable).numpy()
        listing[name] = {"penalty": float(value.numpy()), "config": regularizer.get_config()}
    return listing


INITIALIZERS = ["GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "LecunNormal", "RandomNormal",
                "RandomUniform", "TruncatedNormal", "Zeros", "Ones"]
SHAPES = [[3, 3, 16, 32], [64, 10], [100]]


def initializers():
    listing = []
    for name in INITIALIZERS:
        for shape in SHAPES:
            draws, seed = [], 0
            while sum(d.size for d in draws) < 60_000:
                draws.append(keras.ops.convert_to_numpy(getattr(keras.initializers, name)(seed=seed)(shape))
                             if name not in ("Zeros", "Ones") else keras.ops.convert_to_numpy(getattr(keras.initializers, name)()(shape)))
                seed += 1
            values = np.concatenate([d.ravel() for d in draws]).astype(np.float64)
            fan_in, fan_out = compute_fans(shape)
            listing.append({"initializer": name, "shape": shape, "fan_in": fan_in, "fan_out": fan_out,
                            "count": int(values.size), "mean": values.mean(), "std": values.std(),
                            "min": values.min(), "max": values.max()})
    return listing


# Scripted epoch logs: plateaus, improvements smaller and larger than min_delta, a late best.
VAL_LOSS = [1.0, 0.9, 0.9, 0.95, 0.8995, 0.91, 0.92, 0.85, 0.86, 0.87, 0.88, 0.84, 0.9, 0.91, 0.92, 0.93]
LOSS = [1.2 - 0.05 * e for e in range(len(VAL_LOSS))]
VAL_ACCURACY = [0.5, 0.6, 0.6, 0.61, 0.605, 0.7, 0.7, 0.69, 0.68, 0.75, 0.74, 0.74, 0.73, 0.72, 0.71, 0.7]

# The seed recipes' ReduceLROnPlateau (the notebooks' settings) needs a longer run to act: 60 epochs of a slowly
# improving, noisy validation loss that plateaus twice.
NOTEBOOK_VAL_LOSS = [round(0.7 - 0.004 * min(e, 20) - 0.002 * max(0, min(e, 45) - 32) + 0.01 * ((e * 7) % 5 - 2) / 2, 4)
                     for e in range(60)]

# name: callbacks (class, keyword arguments), as the Swift test builds them.
SCENARIOS = {
    "notebook_reduce_lr": [("ReduceLROnPlateau", {"monitor": "val_loss", "factor": 0.8, "patience": 10, "min_delta": 0.0001,
                                                  "cooldown": 5, "min_lr": 0.0001})],
    "reduce_lr": [("ReduceLROnPlateau", {"factor": 0.5, "patience": 2, "cooldown": 1, "min_lr": 0.01, "min_delta": 1e-3})],
    "reduce_lr_max": [("ReduceLROnPlateau", {"monitor": "val_accuracy", "mode": "max", "factor": 0.2, "patience": 1, "min_lr": 0.001})],
    "early_stopping_restore": [("EarlyStopping", {"patience": 3, "min_delta": 0.001, "restore_best_weights": True})],
    "early_stopping_baseline": [("EarlyStopping", {"patience": 20, "baseline": 0.86, "restore_best_weights": True, "start_from_epoch": 2})],
    "early_stopping_max": [("EarlyStopping", {"monitor": "val_accuracy", "mode": "max", "patience": 4})],
    "checkpoint_best": [("ModelCheckpoint", {"save_best_only": True})],
    "checkpoint_best_max": [("ModelCheckpoint", {"monitor": "val_accuracy", "mode": "max", "save_best_only": True})],
    "all_together": [("ReduceLROnPlateau", {"factor": 0.5, "patience": 1}),
                     ("EarlyStopping", {"patience": 4, "restore_best_weights": True}),
                     ("ModelCheckpoint", {"save_best_only": True}), ("CSVLogger", {})],
    "csv_no_validation": [("CSVLogger", {})],
    "csv_append": [("CSVLogger", {"append": True})],
}


def run_scenario(name, specs, directory):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    saved = []
    model.save_weights = lambda filepath, overwrite=True: saved.append(int(os.path.basename(filepath).split(".")[0]))
    csv_path = os.path.join(directory, f"{name}.csv")
    if name == "csv_append":
        with open(csv_path, "w") as f:
            f.write("epoch,loss\r\n0,9.5\r\n")
    callbacks = []
    for cls, kwargs in specs:
        if cls == "ModelCheckpoint":
            callbacks.append(keras.callbacks.ModelCheckpoint(os.path.join(directory, "{epoch}.weights.h5"),
                                                             save_weights_only=True, **kwargs))
        elif cls == "CSVLogger":
            callbacks.append(keras.callbacks.CSVLogger(csv_path, **kwargs))
        else:
            callbacks.append(getattr(keras.callbacks, cls)(**kwargs))
    callback_list = keras.callbacks.CallbackList(callbacks, model=model)
    model.stop_training = False
    callback_list.on_train_begin()
    rates, epochs = [], 0
    val_losses = NOTEBOOK_VAL_LOSS if name == "notebook_reduce_lr" else VAL_LOSS
    for epoch in range(len(val_losses)):
        model.set_weights([np.full((2, 1), epoch, np.float32), np.full((1,), epoch, np.float32)])
        callback_list.on_epoch_begin(epoch)
        if name == "csv_no_validation":
            logs = {"loss": LOSS[epoch]}
        else:
            logs = {"loss": 1.0, "val_loss": val_losses[epoch], "val_accuracy": 0.5} if name == "notebook_reduce_lr" \
                else {"loss": LOSS[epoch], "val_loss": VAL_LOSS[epoch], "val_accuracy": VAL_ACCURACY[epoch]}
        callback_list.on_epoch_end(epoch, logs)
        rates.append(float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)))
        epochs = epoch + 1
        if model.stop_training:
            break
    callback_list.on_train_end()
    result = {"learning_rates": rates, "epochs_run": epochs, "weights_epoch": float(model.get_weights()[1][0]),
              "saved_epochs": saved, "stopped": bool(model.stop_training)}
    if val_losses is not VAL_LOSS:
        result["val_loss"] = val_losses
    if os.path.exists(csv_path):
        with open(csv_path, newline="") as f:
            result["csv"] = f.read()
    return result


def main():
    out = sys.argv[1]
    tensors = {}
    loss_listing, loss_inputs_listing = losses(tensors)
    regularizer_listing = regularizers(tensors)
    with tempfile.TemporaryDirectory() as directory:
        callbacks = {name: run_scenario(name, specs, directory) for name, specs in SCENARIOS.items()}
    listing = {"losses": loss_listing, "loss_inputs": loss_inputs_listing, "regularizers": regularizer_listing,
               "initializers": initializers(), "callbacks": callbacks, "val_loss": VAL_LOSS, "loss": LOSS,
               "val_accuracy": VAL_ACCURACY, "initial_learning_rate": 0.1}
    save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}, os.path.join(out, "losses.safetensors"))
    with open(os.path.join(out, "losses.json"), "w") as f:
        json.dump(listing, f, indent=1)


if __name__ == "__main__":
    main()

"""Checks `zoo export --keras` files against Keras 3 itself, one process for every case.

Usage: export_check.py CASES.json, where CASES.json lists objects
  {"keras": model.keras, "zoo": model.safetensors, "exported": out.weights.h5, "unchanged": bool}.
For each case the architecture is loaded from the .keras, `model.load_weights(exported)` is called, and
every Keras variable must equal the Zoo file's tensor bit for bit. An unchanged export must also give
outputs bit-identical to the original .keras model on a seeded input; a changed one (fine-tuned or
perturbed) must differ from the original in every weight. The .keras files are the project's own fixtures,
so their Lambda layers are loaded with safe_mode=False. Prints one line per case; exits 1 on failure.
"""
import json
import os
import struct
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import keras


def zoo_tensors(path):
    with open(path, "rb") as handle:
        size = struct.unpack("<Q", handle.read(8))[0]
        header = json.loads(handle.read(size))
        data = handle.read()
    header.pop("__metadata__", None)
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise SystemExit(f"{path}: {name} is {info['dtype']}; export checks need F32 files")
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype="<f4").reshape(info["shape"])
    return tensors


class Mismatch(Exception):
    pass


def check(case):
    """Returns the number of weights checked; raises Mismatch naming the first difference."""
    original = keras.saving.load_model(case["keras"], compile=False, safe_mode=False)
    model = keras.saving.load_model(case["keras"], compile=False, safe_mode=False)
    model.load_weights(case["exported"])
    tensors = zoo_tensors(case["zoo"])
    # A Keras 3 variable's path is "<layer>/<weight>"; Zoo names nested layers "<model>/<layer>/<weight>".
    for variable, before in zip(model.weights, original.weights):
        names = [name for name in tensors if name == variable.path or name.endswith("/" + variable.path)]
        if len(names) != 1:
            raise Mismatch(f"{variable.path}: {len(names)} Zoo tensors match ({names[:3]})")
        value = np.asarray(variable.numpy(), dtype="<f4")
        if value.shape != tensors[names[0]].shape or value.tobytes() != tensors[names[0]].tobytes():
            raise Mismatch(f"{variable.path}: Keras holds different values than {names[0]} in the Zoo file")
        if not case["unchanged"] and np.any(value == np.asarray(before.numpy())):
            raise Mismatch(f"{variable.path}: some values kept the original checkpoint's, not the Zoo file's")
    if case["unchanged"]:
        rng = np.random.default_rng(0)
        inputs = [rng.standard_normal((2,) + tuple(t.shape[1:])).astype("float32") for t in original.inputs]
        inputs = inputs[0] if len(inputs) == 1 else inputs
        expected = keras.ops.convert_to_numpy(original(inputs, training=False))
        actual = keras.ops.convert_to_numpy(model(inputs, training=False))
        if expected.tobytes() != actual.tobytes():
            raise Mismatch(f"outputs differ from the original model's (max {np.max(np.abs(expected - actual))})")
    return len(model.weights)


def main():
    cases = json.load(open(sys.argv[1]))
    failures = 0
    for case in cases:
        try:
            print(f"ok   {case['exported']}: {check(case)} weights equal the Zoo file's")
        except Mismatch as mismatch:
            failures += 1
            print(f"FAIL {case['exported']}: {mismatch}")
    sys.exit(1 if failures else 0)


main()

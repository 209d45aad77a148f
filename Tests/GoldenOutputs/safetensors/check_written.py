"""Checks a safetensors file written by Zoo's Swift writer, using Python's safetensors.

Usage: check_written.py MANIFEST.json

The manifest (written by the Swift test) names the file, the raw float32 input values the tensors
were made from (little-endian, all tensors back to back), the storage dtype, each tensor's name,
shape and start index into the inputs, and the metadata the writer was given. The file is read
twice: with `safe_open` (the lazy loader, numpy arrays, metadata) and with `deserialize` (the Rust
parser over the whole file, raw bytes, which also covers BF16, a dtype numpy lacks). The stored
values are compared bit for bit with what numpy says they should be:
  F32  the input bits;
  F16  numpy's `astype(np.float16)`;
  BF16 ml_dtypes' `astype(ml_dtypes.bfloat16)` (round to nearest even; numpy has no bfloat16),
       and a NaN input must give a NaN (any payload).
Prints one JSON object: {"problems": [...], "keys": [...], "metadata": {...}}. An empty problem
list means the file is right.
"""
import hashlib
import json
import struct
import sys

import ml_dtypes
import numpy as np
from safetensors import deserialize, safe_open

NUMPY_DTYPES = {"F32": np.float32, "F16": np.float16}


def expected_bits(values, dtype):
    if dtype == "F32":
        return values.view(np.uint32)
    if dtype == "F16":
        return values.astype(np.float16).view(np.uint16)
    with np.errstate(over="ignore", invalid="ignore"):
        return values.astype(ml_dtypes.bfloat16).view(np.uint16)


def is_nan_bits(bits, dtype):
    if dtype == "F32":
        return np.isnan(bits.view(np.float32))
    if dtype == "F16":
        return np.isnan(bits.view(np.float16))
    return (bits & 0x7F80 == 0x7F80) & (bits & 0x007F != 0)


def main():
    with open(sys.argv[1]) as f:
        manifest = json.load(f)
    dtype = manifest["dtype"]
    inputs = np.fromfile(manifest["inputs"], dtype="<f4")
    problems = []

    with open(manifest["file"], "rb") as f:
        content = f.read()
    header_length = struct.unpack("<Q", content[:8])[0]
    if header_length % 8 != 0:
        problems.append(f"header length {header_length} is not a multiple of 8")
    stored = {name: info for name, info in deserialize(content)}

    with safe_open(manifest["file"], framework="np") as f:
        keys = list(f.keys())
        metadata = f.metadata() or {}
        loaded = {name: f.get_tensor(name) for name in keys} if dtype in NUMPY_DTYPES else {}

    expected_metadata = dict(manifest["metadata"])
    expected_metadata["data_sha256"] = hashlib.sha256(content[8 + header_length:]).hexdigest()
    if metadata != expected_metadata:
        problems.append(f"metadata {metadata!r} != expected {expected_metadata!r}")

    declared = [t["name"] for t in manifest["tensors"]]
    if sorted(keys) != sorted(declared) or sorted(stored) != sorted(declared):
        problems.append(f"tensor names {sorted(keys)} / {sorted(stored)} != declared {sorted(declared)}")

    for tensor in manifest["tensors"]:
        name, shape = tensor["name"], tensor["shape"]
        info = stored.get(name)
        if info is None:
            continue
        if info["dtype"] != dtype:
            problems.append(f"{name}: dtype {info['dtype']} != {dtype}")
        if list(info["shape"]) != shape:
            problems.append(f"{name}: shape {info['shape']} != {shape}")
        count = int(np.prod(shape, dtype=np.int64))
        values = inputs[tensor["start"]:tensor["start"] + count]
        want = expected_bits(values, dtype)
        got = np.frombuffer(bytes(info["data"]), dtype="<u4" if dtype == "F32" else "<u2")
        if got.shape != want.shape:
            problems.append(f"{name}: {got.size} stored values != {want.size} expected")
            continue
        input_nan = np.isnan(values)
        exact = (got == want) & ~input_nan
        nan_ok = is_nan_bits(got, dtype) & input_nan
        bad = np.nonzero(~(exact | nan_ok))[0]
        for i in bad[:10]:
            problems.append(f"{name}[{i}]: input {values[i]!r} (0x{values.view(np.uint32)[i]:08x}) "
                            f"stored 0x{int(got[i]):x}, expected 0x{int(want[i]):x}")
        if name in loaded:
            array = loaded[name]
            if array.dtype != NUMPY_DTYPES[dtype] or list(array.shape) != shape:
                problems.append(f"{name}: safe_open gives {array.dtype} {array.shape}")
            elif array.reshape(-1).view(got.dtype).tolist() != got.tolist():
                problems.append(f"{name}: safe_open and deserialize disagree")

    print(json.dumps({"problems": problems, "keys": keys, "metadata": metadata}))


if __name__ == "__main__":
    main()

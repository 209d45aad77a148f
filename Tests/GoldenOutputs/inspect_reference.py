"""What a file holds, read by Python's own libraries, in the shape of `zoo inspect --json`.

  .safetensors  safetensors.safe_open: tensor names, shapes, dtypes and the metadata; the header's
                data_offsets give the tensors' order and sizes; hashlib hashes the data buffer, which
                must match the metadata's data_sha256 ("verified") unless --no-verify.
  .h5 / .keras  h5py, walking the weights the way Keras loads them: legacy files through the
                `layer_names` and `weight_names` attributes (under /model_weights in a full model),
                Keras 3 files through the `vars` groups under /layers (a .keras archive's
                model.weights.h5); the Keras version and the model config from the file's attributes
                (or the archive's metadata.json and config.json).

Usage: python inspect_reference.py FILE [--no-verify]
"""
import hashlib
import io
import json
import os
import struct
import sys
import zipfile

import h5py
import numpy as np
from safetensors import safe_open

ITEM_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def safetensors_view(path, verify):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    with safe_open(path, "np") as f:
        metadata = f.metadata() or {}
        names = sorted(f.keys(), key=lambda name: header[name]["data_offsets"][0])
        tensors = []
        for name in names:
            piece = f.get_slice(name)
            shape, dtype = [int(n) for n in piece.get_shape()], piece.get_dtype()
            start, end = header[name]["data_offsets"]
            assert end - start == int(np.prod(shape, dtype=np.int64)) * ITEM_BYTES[dtype], name
            tensors.append({"name": name, "shape": shape, "dtype": dtype, "bytes": end - start})
    view = {"kind": "safetensors", "metadata": metadata, "tensors": tensors}
    if verify:
        digest = hashlib.sha256(data).hexdigest()
        expected = metadata.get("data_sha256")
        view["data_hash_verified"] = digest == expected
        view["data_hash"] = ("verified" if digest == expected else
                             f"MISMATCH: metadata says {expected}, data hashes to {digest}" if expected else
                             "no data_sha256 in the metadata")
    else:
        view["data_hash_verified"], view["data_hash"] = False, "not checked"
    return view


def legacy_weights(root):
    for layer in root.attrs["layer_names"]:
        group = root[text(layer)]
        for weight in group.attrs["weight_names"]:
            yield group[text(weight)]


def v3_weights(root):
    found = []
    root["layers"].visititems(lambda name, item: found.append(item) if isinstance(item, h5py.Dataset) and "/vars/" in f"/{name}" else None)
    return found


def keras_view(path):
    if path.endswith(".keras"):
        with zipfile.ZipFile(path) as archive:
            version = json.loads(archive.read("metadata.json")).get("keras_version")
            config = "config.json" in archive.namelist()
            weights_file = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
        fmt, backend = ".keras archive", None
    else:
        weights_file = h5py.File(path, "r")
        root_attrs = weights_file.attrs
        config = "model_config" in root_attrs
        version, backend = root_attrs.get("keras_version"), root_attrs.get("backend")
        if "layer_names" in root_attrs or "model_weights" in weights_file:
            fmt = "legacy full-model .h5" if config else "legacy weights .h5"
        else:
            fmt = "Keras 3 .weights.h5"
    with weights_file:
        if "layers" in weights_file:
            datasets = v3_weights(weights_file)
        else:
            datasets = list(legacy_weights(weights_file["model_weights"] if "model_weights" in weights_file else weights_file))
        tensors = [{"name": d.name, "shape": list(d.shape), "dtype": "F32", "bytes": int(np.prod(d.shape, dtype=np.int64)) * 4}
                   for d in datasets if d.dtype == np.float32]
        assert len(tensors) == len(datasets), "every weight is float32"
    metadata = {"format": fmt, "keras_version": text(version) if version is not None else "not recorded",
                "model_config": "present" if config else "none (weights only: convert with --arch)"}
    if backend is not None:
        metadata["backend"] = text(backend)
    return {"kind": "keras", "metadata": metadata, "tensors": tensors}


def main(path, verify=True):
    view = safetensors_view(path, verify) if path.endswith(".safetensors") else keras_view(path)
    view.update(file=path, file_bytes=os.path.getsize(path),
                parameters=sum(int(np.prod(t["shape"], dtype=np.int64)) for t in view["tensors"]),
                data_bytes=sum(t["bytes"] for t in view["tensors"]))
    print(json.dumps(view, sort_keys=True))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] != "--no-verify"):
        sys.exit(__doc__)
    main(sys.argv[1], verify=len(sys.argv) == 2)

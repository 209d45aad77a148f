#!/usr/bin/env python3
"""NumPy's own .npy files for Zoo's reader (Tests/BenchTests/NumPyArrayTests), written when the test runs.

    npy_reference.py OUT_DIR

Writes, with NumPy's np.save and np.lib.format.write_array:
    vector.npy       float32 (10,)             the metadata-input form
    matrix.npy       float32 (2, 3)
    scalar.npy       float32 ()
    version2.npy     float32 (4,), format version 2.0 (a 4-byte header length)
    float64.npy      float64 (3,)              refused: Zoo reads float32
    fortran.npy      float32 (2, 3) in Fortran order   refused
and values.json: each float32 file's values, flat, as NumPy holds them.
"""
import json
import os
import sys

import numpy as np


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(20251129)
    arrays = {
        "vector": rng.normal(40.0, 15.0, 10).astype(np.float32),
        "matrix": rng.standard_normal((2, 3)).astype(np.float32),
        "scalar": np.float32(2.5).reshape(()),
    }
    for name, value in arrays.items():
        np.save(os.path.join(out, f"{name}.npy"), value)
    version2 = rng.standard_normal(4).astype(np.float32)
    with open(os.path.join(out, "version2.npy"), "wb") as handle:
        np.lib.format.write_array(handle, version2, version=(2, 0))
    arrays["version2"] = version2
    np.save(os.path.join(out, "float64.npy"), rng.standard_normal(3))
    np.save(os.path.join(out, "fortran.npy"), np.asfortranarray(rng.standard_normal((2, 3)).astype(np.float32)))
    with open(os.path.join(out, "values.json"), "w") as handle:
        json.dump({name: {"shape": list(value.shape), "values": value.ravel().tolist()} for name, value in arrays.items()}, handle)


if __name__ == "__main__":
    main()

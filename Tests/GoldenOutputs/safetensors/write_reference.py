"""Writes a safetensors file with Python's safetensors, for Zoo's reader to open.

Usage: write_reference.py OUT.safetensors

The contents are fixed; Tests/ConverterTests/SafetensorsInteropTests.swift expects exactly them.
BF16 comes from ml_dtypes (numpy has no bfloat16), and the odd-length U8 tensor checks that
non-float dtypes the format defines are read too.
"""
import sys

import ml_dtypes
import numpy as np
from safetensors.numpy import save_file

tensors = {
    "dense/kernel": (np.arange(12, dtype=np.float32).reshape(3, 4) * 0.25 - 1),
    "dense/bias": np.array([np.inf, -0.0, 1e-40], dtype=np.float32),
    "half": np.array([[0.5, -2.0], [65504.0, 2.0 ** -24]], dtype=np.float16),
    "brain": np.array([1.5, -3.0, 2.0 ** -130], dtype=ml_dtypes.bfloat16),
    "bytes": np.array([1, 2, 255], dtype=np.uint8),
    "scalar": np.array(3.5, dtype=np.float32),
    "empty": np.zeros((0, 3), dtype=np.float32),
}
metadata = {"format": "pt", "note": 'quote " backslash \\ newline \n tab \t é 😀'}
save_file(tensors, sys.argv[1], metadata=metadata)

"""Tries to open each given file with Python's safetensors (the Rust loader's validation).

Usage: try_open.py FILE...

Prints one JSON object mapping each file to null if it opened, or to the loader's error message.
Zoo's tests use it to show that the damaged headers Zoo rejects are ones the reference rejects too.
"""
import json
import sys

from safetensors import safe_open

results = {}
for path in sys.argv[1:]:
    try:
        with safe_open(path, framework="np") as f:
            list(f.keys())
        results[path] = None
    except Exception as error:  # the loader raises SafetensorError, and others for odd input
        results[path] = str(error)
print(json.dumps(results))

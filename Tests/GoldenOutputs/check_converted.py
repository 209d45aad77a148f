#!/usr/bin/env python3
"""Checks converter output against the generator's expected tensors, bit for bit.

    check_converted.py --pairs FILE

FILE has one pair per line: `<converted.safetensors>\\t<expected>\\t<f32|f16|bf16>`
(blank lines and lines starting with '#' are ignored; relative paths are relative to the current
directory). `<expected>` is either a safetensors file of float32 tensors (`expected.safetensors`,
written by generate.py next to the small models) or a Keras 3 `.keras` file: then the expected tensors
are the values Keras 3 itself holds after `keras.saving.load_model` of that file, read now (the
full-size models keep no stored copy; generate.py's README). For each pair:

* the converted file must open with `safetensors.safe_open` (valid header) and its header must be
  consistent with the file (offsets inside the data buffer, sizes matching shapes and dtypes);
* both files must hold the same set of tensor names, with identical shapes;
* values, per requested dtype:
    f32   stored dtype F32, bit-for-bit equal to the expected float32 values;
    f16   stored dtype F16, bit-for-bit equal to expected.astype(np.float16) (round to nearest even);
    bf16  stored dtype BF16, bit-for-bit equal to expected.astype(ml_dtypes.bfloat16) (round to
          nearest even; ml_dtypes is the bfloat16 implementation JAX and TensorFlow use); a NaN must
          stay a NaN.
  Where the expected value is NaN, any NaN of the target dtype is accepted.

Prints one line per pair (`ok ...` or `FAIL ...` with the first mismatching tensor) and exits with
status 1 if any pair fails (2 for a malformed pairs file).
"""

import argparse
import json
import mmap
import os
import struct
import sys

import numpy as np

RAW_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?",
}
WANT = {"f32": "F32", "f16": "F16", "bf16": "BF16"}


class Mismatch(Exception):
    pass


class RawSafetensors:
    """Minimal, strict reader: header JSON plus zero-copy views of the raw little-endian data."""

    def __init__(self, path):
        self.path = path
        self._f = open(path, "rb")
        size = os.fstat(self._f.fileno()).st_size
        if size < 8:
            raise Mismatch(f"{path}: file too short ({size} bytes)")
        self._mm = mmap.mmap(self._f.fileno(), 0, access=mmap.ACCESS_READ)
        (n,) = struct.unpack("<Q", self._mm[:8])
        if 8 + n > size:
            raise Mismatch(f"{path}: header length {n} exceeds the file size {size}")
        try:
            header = json.loads(bytes(self._mm[8:8 + n]).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise Mismatch(f"{path}: header is not valid JSON: {e}")
        self.metadata = header.pop("__metadata__", None) or {}
        self.base = 8 + n
        self.data_len = size - self.base
        self.info = {}
        for name, t in header.items():
            dt = t.get("dtype")
            shape = t.get("shape")
            off = t.get("data_offsets")
            if dt not in RAW_DTYPES or not isinstance(shape, list) or not isinstance(off, list) or len(off) != 2:
                raise Mismatch(f"{path}: malformed header entry for {name!r}: {t}")
            count = int(np.prod(shape, dtype=np.int64)) if shape else 1
            nbytes = count * np.dtype(RAW_DTYPES[dt]).itemsize
            if not (0 <= off[0] <= off[1] <= self.data_len) or off[1] - off[0] != nbytes:
                raise Mismatch(f"{path}: tensor {name!r} offsets {off} do not fit dtype {dt} shape {shape} "
                               f"(data buffer {self.data_len} bytes)")
            self.info[name] = (dt, tuple(shape), off[0], count)

    def raw(self, name):
        dt, shape, start, count = self.info[name]
        a = np.frombuffer(self._mm, dtype=RAW_DTYPES[dt], count=count, offset=self.base + start)
        return a.reshape(shape)

    def close(self):
        try:
            self._mm.close()
        except BufferError:   # numpy views still alive; the map is released when they are collected
            pass
        self._f.close()


def bf16_bits(x):
    """float32 -> bfloat16 bit patterns (uint16), rounded by ml_dtypes (round to nearest even)."""
    import ml_dtypes
    with np.errstate(over="ignore", invalid="ignore"):
        return np.ascontiguousarray(x, dtype=np.float32).astype(ml_dtypes.bfloat16).view(np.uint16)


_KERAS_CACHE = {}


def keras_tensors(path):
    """{<layer>/<weight>: float32 array} as Keras 3 holds them after loading the `.keras` file `path`,
    nested models flattened by their inner layer names (generate.py's naming). The last file loaded is
    kept, since consecutive pairs (f16 then bf16) usually share it."""
    if path in _KERAS_CACHE:
        return _KERAS_CACHE[path]
    _KERAS_CACHE.clear()
    os.environ.pop("TF_USE_LEGACY_KERAS", None)
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from generate import named_weights, quiet_tf
    import test_time_models    # noqa: F401 (it adds the names of depthwise, separable and Normalization weights)
    quiet_tf()
    import keras
    keras.backend.clear_session()
    model = keras.saving.load_model(path, safe_mode=False, compile=False)
    # np.array, not np.ascontiguousarray, which makes a scalar (Normalization's count) an array of shape [1].
    out = {t: np.array(w.numpy(), dtype=np.float32)
           for _, ws in named_weights(keras, model, False) for t, w in ws}
    del model
    _KERAS_CACHE[path] = out
    return out


def expected_tensors(path):
    if path.endswith(".keras"):
        return keras_tensors(path)
    from safetensors.numpy import load_file
    return load_file(path)


def compare_bits(name, got_bits, want_bits, nan_mask, is_nan_got, fmt_got, fmt_want):
    """got_bits/want_bits: unsigned integer views of the same shape."""
    bad = got_bits != want_bits
    if nan_mask is not None and nan_mask.any():
        bad &= ~(nan_mask & is_nan_got)
    if bad.any():
        flat = np.flatnonzero(bad.reshape(-1))
        i = int(flat[0])
        idx = tuple(int(v) for v in np.unravel_index(i, got_bits.shape)) if got_bits.ndim else ()
        raise Mismatch(f"tensor {name!r}: {flat.size} of {got_bits.size} values differ; first at {idx}: "
                       f"got {fmt_got(got_bits.reshape(-1)[i])}, expected {fmt_want(i)}")


def check_pair(converted, expected, dtype):
    from safetensors import safe_open

    want_dt = WANT[dtype]
    # 1. the converted file opens with the reference implementation
    try:
        with safe_open(converted, framework="np") as f:
            st_keys = set(f.keys())
    except Exception as e:
        raise Mismatch(f"safetensors.safe_open failed: {type(e).__name__}: {e}")
    conv = RawSafetensors(converted)
    try:
        if set(conv.info) != st_keys:
            raise Mismatch("header tensor list differs from what safe_open reports")
        exp = expected_tensors(expected)
        names_c, names_e = set(conv.info), set(exp)
        if names_c != names_e:
            missing = sorted(names_e - names_c)
            extra = sorted(names_c - names_e)
            raise Mismatch(f"tensor names differ: {len(missing)} missing {missing[:5]}, "
                           f"{len(extra)} unexpected {extra[:5]}")
        for name in sorted(names_e):
            e = exp[name]
            if e.dtype != np.float32:
                raise Mismatch(f"expected file holds {name!r} as {e.dtype}, not float32")
            dt, shape, _, _ = conv.info[name]
            if shape != tuple(e.shape):
                raise Mismatch(f"tensor {name!r}: shape {list(shape)}, expected {list(e.shape)}")
            if dt != want_dt:
                raise Mismatch(f"tensor {name!r}: stored dtype {dt}, expected {want_dt}")
            g = conv.raw(name)
            nan = np.isnan(e)
            if dtype == "f32":
                gf = g.view(np.float32) if g.dtype != np.float32 else g
                compare_bits(name, gf.view(np.uint32), e.view(np.uint32), nan, np.isnan(gf),
                             lambda b: f"{float(np.uint32(b).view(np.float32))!r} (0x{int(b):08x})",
                             lambda i: f"{float(e.reshape(-1)[i])!r} (0x{int(e.reshape(-1).view(np.uint32)[i]):08x})")
            elif dtype == "f16":
                with np.errstate(over="ignore", invalid="ignore"):
                    want = e.astype(np.float16)   # overflow to +-inf is the intended rounding
                gh = g.view(np.float16)
                compare_bits(name, gh.view(np.uint16), want.view(np.uint16), nan, np.isnan(gh),
                             lambda b: f"{float(np.uint16(b).view(np.float16))!r} (0x{int(b):04x})",
                             lambda i: f"{float(want.reshape(-1)[i])!r} (0x{int(want.reshape(-1).view(np.uint16)[i]):04x}) "
                                       f"from float32 {float(e.reshape(-1)[i])!r}")
            else:  # bf16: stored raw as uint16 bit patterns
                want = bf16_bits(e)
                gb = g.view(np.uint16)
                is_nan_g = ((gb & 0x7F80) == 0x7F80) & ((gb & 0x007F) != 0)
                as_f = lambda b: float(np.array([int(b) << 16], dtype=np.uint32).view(np.float32)[0])
                compare_bits(name, gb, want, nan, is_nan_g,
                             lambda b: f"{as_f(b)!r} (0x{int(b):04x})",
                             lambda i: f"{as_f(want.reshape(-1)[i])!r} (0x{int(want.reshape(-1)[i]):04x}) "
                                       f"from float32 {float(e.reshape(-1)[i])!r}")
        return len(names_e)
    finally:
        conv.close()


def main():
    ap = argparse.ArgumentParser(description="Check converted safetensors files against expected ones.")
    ap.add_argument("--pairs", required=True,
                    help="file with lines <converted>\\t<expected .safetensors or .keras>\\t<f32|f16|bf16>")
    args = ap.parse_args()
    try:
        with open(args.pairs) as f:
            lines = f.read().splitlines()
    except OSError as e:
        print(f"check_converted.py: cannot read {args.pairs}: {e}", file=sys.stderr)
        return 2
    pairs = []
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or parts[2].strip() not in WANT:
            print(f"check_converted.py: {args.pairs}:{n}: expected '<converted>\\t<expected>\\t<f32|f16|bf16>', "
                  f"got {line!r}", file=sys.stderr)
            return 2
        pairs.append((parts[0], parts[1], parts[2].strip()))
    if not pairs:
        print(f"check_converted.py: {args.pairs}: no pairs", file=sys.stderr)
        return 2
    failed = 0
    for conv, exp, dt in pairs:
        try:
            for p in (conv, exp):
                if not os.path.isfile(p):
                    raise Mismatch(f"no such file: {p}")
            n = check_pair(conv, exp, dt)
            print(f"ok {conv} ({n} tensors, {dt})")
        except Mismatch as e:
            failed += 1
            print(f"FAIL {conv} vs {exp} ({dt}): {e}")
        except Exception as e:  # unreadable expected file and the like
            failed += 1
            print(f"FAIL {conv} vs {exp} ({dt}): {type(e).__name__}: {e}")
        sys.stdout.flush()
    print(f"check_converted: {len(pairs) - failed} ok, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

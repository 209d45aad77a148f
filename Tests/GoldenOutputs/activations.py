#!/usr/bin/env python3
"""Golden activations for the Zoo parity tests: every layer's output, computed by Keras itself.

    activations.py --golden DIR --out OUT [--only M1,M2]

Reads DIR/manifest.json (written by generate.py) and, for every model M with a `k3_keras` entry (or
only the models of --only), loads DIR/M/k3.keras with Keras 3 and writes

    OUT/M/activations.safetensors   float32, safetensors.numpy
        inputs/<case>               the NHWC input exactly as fed to the model (after preprocessing)
        <layer>/<case>              the output of every layer except InputLayers, by the layer's own
                                    name; layers of nested sub-models under their inner names (the
                                    converter's flattening), the nested model itself not listed
        __metadata__                model, checkpoint, cases, preprocess, keras_version,
                                    tensorflow_version, outputs, layers, ... (see README.md)
    OUT/activations.json            [{"model", "path", "checkpoint", "cases", "layers"}, ...]
    OUT/.complete                   written last ({"mode": "full"|"only", ...})

Cases (seeded numpy, independent of the model except for the shape):
    normal  N(0,1), batch 2, at the model's input size
    image   batch 1, a synthetic 0-255 RGB image (smooth shapes + noise, uint8 values as float32)
            followed by the model's own preprocessing (caffe / tf / torch / rescale 1/255 / none)
    large   N(0,1) * 100 (standard deviation 100), batch 1
    odd     N(0,1), batch 1, at 197x211 (13x17 for the tiny models), only for models whose input
            size is not fixed by a Flatten before a Dense; run on a clone of the model rebuilt from
            its config with free spatial input dimensions and the same weights

Every layer's output comes from auxiliary keras.Models evaluated with `predict` (training=False):
one per (sub-)graph returning all its nodes' outputs; a nested model is evaluated on the tensor the
outer graph feeds it. The final outputs of this route are checked against `model.predict` on the
whole model (max |diff| <= 1e-5 * max |ref|), and each nested model's output in the outer graph
against its last inner layer.

The orchestrating process never imports TensorFlow; the models run in worker subprocesses (all small
models in one, each large model in its own) so memory is returned between models.
"""

import argparse
import gc
import json
import os
import subprocess
import sys
import time
import zipfile
import zlib

# The reference generator's helpers (it imports only the standard library at load time).
from generate import leaf_layers, log, quiet_tf, write_json

SEED = 20251129
CASES = ["normal", "image", "large", "odd"]
# Full-size models keep every layer for these cases only, and for the others the input and the model
# output: the layer-by-layer parity of every case runs on the narrow models (same graphs), and the
# full-size files stay under 2.5 GB instead of 7.4 GB.
FULL_SIZE_LAYER_CASES = ("image", "odd")
ODD_LARGE = (197, 211)
ODD_NARROW = (37, 45)         # the narrow models' inputs are 64x64
ODD_SMALL = (13, 17)          # the tiny models are committed: 197x211 would not fit the size budget
LARGE_STD = 100.0
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
TORCH_MEAN_RGB = (0.485, 0.456, 0.406)
TORCH_STD_RGB = (0.229, 0.224, 0.225)
RESCALE = 1.0 / 255.0
PREPROCESS = {                # registry arch (manifest "arch") -> preprocessing
    "vgg16": "caffe", "vgg16-notop": "caffe", "vgg19": "caffe", "vgg19-notop": "caffe",
    "resnet50": "caffe", "resnet50-notop": "caffe", "densenet121": "torch",
    "tb-vgg16": f"rescale:{RESCALE!r}", "tb-vgg19": f"rescale:{RESCALE!r}",
    "tb-attention-vgg16": f"rescale:{RESCALE!r}", "melanoma-resnet50": f"rescale:{RESCALE!r}",
}
# The keras.applications module whose preprocess_input applies each mode (checked on the image case).
KERAS_PREPROCESS = {"caffe": lambda keras: keras.applications.vgg16,
                    "torch": lambda keras: keras.applications.densenet,
                    "tf": lambda keras: keras.applications.resnet_v2}
TOLERANCE = 1e-5


# ----------------------------------------------------------------------------------------------------
# Inputs (numpy only)
# ----------------------------------------------------------------------------------------------------

def rng_for(case, shape):
    import numpy as np
    return np.random.default_rng([SEED, zlib.crc32(case.encode()), zlib.crc32(repr(tuple(shape)).encode())])


def synthetic_image(h, w):
    """A deterministic 0-255 RGB picture: a colour gradient, soft blobs, a ring, stripes and noise."""
    import numpy as np
    rng = rng_for("image", (h, w, 3))
    y, x = np.meshgrid(np.linspace(0.0, 1.0, h), np.linspace(0.0, 1.0, w), indexing="ij")
    img = np.stack([60 + 120 * x, 40 + 100 * y, 150 - 80 * x * y], axis=-1)
    for _ in range(6):                                   # soft coloured blobs
        cy, cx = rng.uniform(0.1, 0.9, 2)
        r = rng.uniform(0.08, 0.3)
        col = rng.uniform(-90, 90, 3)
        img += col * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * r * r))[..., None]
    d = np.sqrt((y - 0.55) ** 2 + (x - 0.45) ** 2)       # a sharp-edged ring
    img[(d > 0.22) & (d < 0.27)] = (230.0, 210.0, 40.0)
    img += 25 * np.sin(2 * np.pi * (5 * x + 3 * y))[..., None] * np.array([1.0, -0.5, 0.3])
    img += rng.normal(0.0, 8.0, img.shape)              # sensor noise
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def preprocess(x, mode):
    import numpy as np
    if mode == "none":
        return x
    if mode == "caffe":
        return x[..., ::-1] - np.asarray(CAFFE_MEAN_BGR, dtype=np.float32)
    if mode == "tf":          # imagenet_utils: x /= 127.5; x -= 1, in float32
        return x / np.float32(127.5) - np.float32(1.0)
    if mode == "torch":       # imagenet_utils: x /= 255; then per channel x -= mean; x /= std, in float32
        return (x / np.float32(255.0) - np.asarray(TORCH_MEAN_RGB, dtype=np.float32)) / np.asarray(TORCH_STD_RGB, dtype=np.float32)
    if mode.startswith("rescale:"):
        return x * np.float32(float(mode.split(":", 1)[1]))
    raise ValueError(mode)


def make_input(case, shape, mode):
    """shape: the model input shape without batch (H, W, C) or (features,)."""
    import numpy as np
    if case == "normal":
        full = (2,) + tuple(shape)
        return rng_for(case, full).standard_normal(full, dtype=np.float32)
    if case == "large":
        full = (1,) + tuple(shape)
        return rng_for(case, full).standard_normal(full, dtype=np.float32) * np.float32(LARGE_STD)
    if case == "odd":
        full = (1,) + tuple(shape)
        return rng_for(case, full).standard_normal(full, dtype=np.float32)
    if case == "image":
        h, w, c = shape
        assert c == 3
        x = synthetic_image(h, w).astype(np.float32)[None]
        return np.ascontiguousarray(preprocess(x, mode), dtype=np.float32)
    raise ValueError(case)


# ----------------------------------------------------------------------------------------------------
# Keras side (worker)
# ----------------------------------------------------------------------------------------------------

def graph_of(keras, m):
    return m._functional if isinstance(m, keras.Sequential) else m


def graph_nodes(g):
    """The graph's non-input nodes in execution order (deepest first, as Functional runs them)."""
    out = []
    for depth in sorted(g._nodes_by_depth, reverse=True):
        for node in g._nodes_by_depth[depth]:
            if node.operation is None or node.is_input:
                continue
            out.append(node)
    return out


def rel_diff(a, b):
    import numpy as np
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    scale = max(float(np.max(np.abs(b))) if b.size else 0.0, 1e-30)
    return float(np.max(np.abs(a - b))) / scale if a.size else 0.0


def layerwise(keras, m, x, out, order, checks):
    """Fill `out` (layer name -> array) with every leaf layer's output of model `m` fed with `x`.
    Returns the model's (single) output as computed by its own graph."""
    import numpy as np
    g = graph_of(keras, m)
    if len(g.inputs) != 1 or len(g.outputs) != 1:
        raise RuntimeError(f"{m.name}: only single-input single-output (sub)models are supported")
    nodes = graph_nodes(g)
    want, index = [], {}
    for node in nodes:
        for t in node.outputs:
            if id(t) not in index:
                index[id(t)] = len(want)
                want.append(t)
    aux = keras.Model(g.inputs, want, name=f"{m.name}_all_layers")
    vals = aux.predict(x, batch_size=len(x), verbose=0)
    if not isinstance(vals, (list, tuple)):
        vals = [vals]
    vals = [np.asarray(v, dtype=np.float32) for v in vals]
    input_id = id(g.inputs[0])

    def value(t):
        return x if id(t) == input_id else vals[index[id(t)]]

    for node in nodes:
        op = node.operation
        if len(node.outputs) != 1:
            raise RuntimeError(f"{op.name}: layers with several outputs are not supported")
        if isinstance(op, keras.Model):
            if len(node.input_tensors) != 1:
                raise RuntimeError(f"nested model {op.name} with several inputs is not supported")
            inner = layerwise(keras, op, value(node.input_tensors[0]), out, order, checks)
            d = rel_diff(inner, value(node.outputs[0]))
            checks.append((f"nested {op.name}: inner route vs outer graph", d))
            if d > TOLERANCE:
                raise RuntimeError(f"nested model {op.name}: inner route differs from the outer graph by {d:.3g}")
            continue
        name = op.name
        if name in out or name == "inputs":
            raise RuntimeError(f"duplicate layer name {name!r} after flattening")
        v = value(node.outputs[0])
        if type(op).__name__ == "Dropout":
            src = value(node.input_tensors[0])
            if not np.array_equal(v, src):
                raise RuntimeError(f"Dropout {name} is not the identity at inference")
        out[name] = v
        order.append(name)
    return value(g.outputs[0])


def output_layer_names(keras, m):
    names = []
    for t in graph_of(keras, m).outputs:
        op = t._keras_history.operation
        while isinstance(op, keras.Model):
            inner = graph_of(keras, op).outputs
            if len(inner) != 1:
                raise RuntimeError(f"nested model {op.name} with several outputs")
            op = inner[0]._keras_history.operation
        names.append(op.name)
    return names


def free_spatial_config(obj):
    """Rewrite a serialized Keras 3 config in place: every rank-4 input shape gets None spatial dims."""
    if isinstance(obj, dict):
        for key in ("batch_shape", "batch_input_shape", "build_input_shape", "input_shape", "shape"):
            v = obj.get(key)
            if isinstance(v, list) and len(v) == 4 and all(isinstance(s, (int, type(None))) for s in v):
                obj[key] = [v[0], None, None, v[3]]
        for v in obj.values():
            free_spatial_config(v)
    elif isinstance(obj, list):
        for v in obj:
            free_spatial_config(v)
    return obj


def odd_clone(keras, model, keras_path):
    """The model rebuilt from its saved config with free spatial input dims, holding the same weights,
    or (None, reason) when the architecture fixes the input size."""
    import numpy as np
    if len(model.inputs[0].shape) != 4:
        return None, "input is not an image (rank %d)" % len(model.inputs[0].shape)
    flat = [l.name for l in leaf_layers(keras, model) if type(l).__name__ == "Flatten"]
    if flat:
        return None, f"Flatten ({','.join(flat)}) before Dense fixes the input size"
    with zipfile.ZipFile(keras_path) as z:
        cfg = json.loads(z.read("config.json"))
    cfg.pop("compile_config", None)
    cfg.pop("build_config", None)
    free_spatial_config(cfg)
    clone = keras.saving.deserialize_keras_object(cfg, safe_mode=False)
    if clone.inputs[0].shape[1:3] != (None, None):
        raise RuntimeError(f"clone input shape {clone.inputs[0].shape} is not free")
    src = {l.name: l for l in leaf_layers(keras, model)}
    dst = {l.name: l for l in leaf_layers(keras, clone)}
    if list(src) != list(dst):
        raise RuntimeError("clone has different layers")
    for name, layer in src.items():
        ws = layer.get_weights()
        if ws:
            dst[name].set_weights(ws)
            for a, b in zip(ws, dst[name].get_weights()):
                if not np.array_equal(a, b):
                    raise RuntimeError(f"clone weights of {name} differ")
    return clone, ""


def onednn_state():
    v = os.environ.get("TF_ENABLE_ONEDNN_OPTS")
    return "default(on)" if v is None else v


def worker(golden, out, models, arch_of, size_of):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    quiet_tf()
    import numpy as np
    import keras
    import tensorflow as tf
    from safetensors.numpy import save_file

    for name in models:
        t0 = time.time()
        keras.backend.clear_session()
        gc.collect()
        ckpt = f"{name}/k3.keras"
        path = os.path.join(golden, ckpt)
        model = keras.saving.load_model(path, safe_mode=False, compile=False)
        mode = PREPROCESS.get(arch_of.get(name, ""), "none")
        in_shape = tuple(int(s) for s in model.inputs[0].shape[1:])
        outputs = output_layer_names(keras, model)
        tensors, meta, checks = {}, {}, []
        cases, output_cases, order = [], [], None
        size = size_of[name]
        for case in CASES:
            run_model = model
            if case == "image" and len(in_shape) != 3:
                meta["image_skipped"] = f"input is not an image (shape {in_shape})"
                continue
            if case == "odd":
                run_model, why = odd_clone(keras, model, path)
                if run_model is None:
                    meta["odd_skipped"] = why
                    continue
                shape = {"small": ODD_SMALL, "narrow": ODD_NARROW, "large": ODD_LARGE}[size] + (in_shape[2],)
            else:
                shape = in_shape
            x = make_input(case, shape, mode)
            if size == "large" and case not in FULL_SIZE_LAYER_CASES:
                pred = np.asarray(run_model.predict(x, batch_size=len(x), verbose=0), dtype=np.float32)
                if not np.all(np.isfinite(pred)):
                    raise RuntimeError(f"{name}/{case}: non-finite model output")
                tensors[f"inputs/{case}"] = np.ascontiguousarray(x, dtype=np.float32)
                tensors[f"{outputs[0]}/{case}"] = np.ascontiguousarray(pred, dtype=np.float32)
                output_cases.append(case)
                if run_model is not model:
                    del run_model
                continue
            if case == "image" and mode in KERAS_PREPROCESS:   # our numpy == Keras' own preprocess_input
                raw = synthetic_image(*shape[:2]).astype(np.float32)[None]
                ref = KERAS_PREPROCESS[mode](keras).preprocess_input(raw.copy())
                if not np.array_equal(np.asarray(ref, dtype=np.float32), x):
                    raise RuntimeError(f"{mode} preprocessing differs from keras.applications")
            acts, case_order = {}, []
            final = layerwise(keras, run_model, x, acts, case_order, checks)
            if order is None:
                order = case_order
            elif case_order != order:
                raise RuntimeError(f"{name}: layer order differs between cases")
            pred = np.asarray(run_model.predict(x, batch_size=len(x), verbose=0), dtype=np.float32)
            d = rel_diff(acts[outputs[0]], pred)
            checks.append((f"{case}: layer route vs model.predict", d))
            if d > TOLERANCE:
                raise RuntimeError(f"{name}/{case}: layer-by-layer output differs from predict by {d:.3g}")
            if not np.array_equal(final, acts[outputs[0]]):
                raise RuntimeError(f"{name}/{case}: output layer {outputs[0]} is not the model output")
            bad = [k for k, v in acts.items() if not np.all(np.isfinite(v))]
            if bad:
                raise RuntimeError(f"{name}/{case}: non-finite values in {bad[:5]}")
            tensors[f"inputs/{case}"] = np.ascontiguousarray(x, dtype=np.float32)
            for k, v in acts.items():
                tensors[f"{k}/{case}"] = np.ascontiguousarray(v, dtype=np.float32)
            cases.append(case)
            if run_model is not model:
                del run_model
            del acts
            gc.collect()
        worst = {}
        for what, d in checks:
            key = what.split(": ", 1)[1] if what.startswith(tuple(CASES)) else "nested vs inner route"
            worst[key] = max(worst.get(key, 0.0), d)
        meta.update({
            "model": name,
            "checkpoint": ckpt,
            "cases": ",".join(cases),
            "output_cases": ",".join(output_cases),
            "preprocess": mode,
            "keras_version": keras.__version__,
            "tensorflow_version": tf.__version__,
            "outputs": ",".join(outputs),
            "layers": ",".join(order),
            "seed": str(SEED),
            "large_std": repr(LARGE_STD),
            "onednn": onednn_state(),
            "check_max_rel_diff": json.dumps(worst, sort_keys=True),
        })
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        final_path = os.path.join(d, "activations.safetensors")
        tmp = final_path + f".tmp-{os.getpid()}"
        save_file(tensors, tmp, metadata=meta)
        os.chmod(tmp, 0o644)
        os.replace(tmp, final_path)
        size = os.path.getsize(final_path)
        summary = {"model": name, "path": f"{name}/activations.safetensors", "checkpoint": ckpt,
                   "cases": cases, "output_cases": output_cases, "layers": len(order), "bytes": size,
                   "seconds": round(time.time() - t0, 1), "odd_skipped": meta.get("odd_skipped", ""),
                   "image_skipped": meta.get("image_skipped", ""), "checks": worst}
        write_json(os.path.join(out, ".work", f"{name}.json"), summary)
        log(f"    {name}: {len(order)} layers, cases {','.join(cases)}, {size / 1e6:.1f} MB, "
            f"{time.time() - t0:.1f}s, max rel diff {json.dumps(worst)}")
        del model, tensors
        keras.backend.clear_session()
        gc.collect()


# ----------------------------------------------------------------------------------------------------
# Orchestrator (no TensorFlow)
# ----------------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--golden", required=True, help="directory written by generate.py (with manifest.json)")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--only", help="comma-separated model names")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--models", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()

    golden = os.path.abspath(args.golden)
    out = os.path.abspath(args.out)
    with open(os.path.join(golden, "manifest.json")) as f:
        manifest = json.load(f)
    all_models, arch_of, size_of = [], {}, {}
    for e in manifest:
        if e["format"] == "k3_keras" and e["model"] not in arch_of:
            all_models.append(e["model"])
            arch_of[e["model"]] = e.get("arch", "")
            size_of[e["model"]] = e.get("size", "small")
    small = {m for m in all_models if size_of[m] != "large"}

    if args.worker:
        worker(golden, out, [m for m in args.models.split(",") if m], arch_of, size_of)
        return

    if args.only:
        wanted = [m.strip() for m in args.only.split(",") if m.strip()]
        unknown = [m for m in wanted if m not in all_models]
        if unknown:
            ap.error(f"unknown model(s) {unknown}; the manifest has: {', '.join(all_models)}")
        models = [m for m in all_models if m in wanted]
    else:
        models = list(all_models)
    mode = "only" if args.only else "full"

    t_start = time.time()
    os.makedirs(out, exist_ok=True)
    complete = os.path.join(out, ".complete")
    if os.path.exists(complete):
        os.remove(complete)
    work = os.path.join(out, ".work")
    os.makedirs(work, exist_ok=True)
    for fn in os.listdir(work):
        os.remove(os.path.join(work, fn))

    groups = []
    tiny = [m for m in models if m in small]
    if tiny:
        groups.append(tiny)
    groups.extend([m] for m in models if m not in small)
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for i, group in enumerate(groups, start=1):
        log(f"[{i}/{len(groups)}] {', '.join(group)} (elapsed {time.time() - t_start:.0f}s)")
        cmd = [sys.executable, os.path.abspath(__file__), "--golden", golden, "--out", out,
               "--worker", "--models", ",".join(group)]
        r = subprocess.run(cmd, env=env)
        if r.returncode != 0:
            raise SystemExit(f"activations.py: worker for {', '.join(group)} failed (exit {r.returncode})")

    summaries = {}
    for m in models:
        with open(os.path.join(work, f"{m}.json")) as f:
            summaries[m] = json.load(f)
    index_path = os.path.join(out, "activations.json")
    old = {}
    if mode == "only" and os.path.exists(index_path):
        with open(index_path) as f:
            old = {e["model"]: e for e in json.load(f)
                   if e["model"] not in summaries and os.path.exists(os.path.join(out, e["path"]))}
    entries = []
    for m in all_models + sorted(set(old) - set(all_models)):
        if m in summaries:
            s = summaries[m]
            entries.append({k: s[k] for k in ("model", "path", "checkpoint", "cases", "output_cases", "layers")})
        elif m in old:
            entries.append(old[m])
    write_json(index_path, entries)
    for fn in os.listdir(work):
        os.remove(os.path.join(work, fn))
    os.rmdir(work)
    elapsed = time.time() - t_start
    total = sum(s["bytes"] for s in summaries.values())
    write_json(complete, {"mode": mode, "models": models, "entries": len(entries), "bytes": total,
                          "seconds": round(elapsed, 1)})
    log(f"done: {len(models)} models, {total / 1e6:.1f} MB in {elapsed:.0f}s -> {out}")


if __name__ == "__main__":
    main()

"""The timing loop and command line shared by the peer runners (keras_bench.py, ort_bench.py), and the
parity measure the exporter and the driver share. Every framework is timed the same way ModelBench times Zoo: W untimed calls, then N timed calls of one batch,
wall-clock per call, one JSON line per batch size on stdout, the last outputs written as raw float32."""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np


def arguments(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("model", help="the model file")
    parser.add_argument("--input", required=True, help="raw float32 NHWC images (the first BATCH are used)")
    parser.add_argument("--shape", required=True, help="one image's shape, e.g. 224,224,3")
    parser.add_argument("--batches", default="1,16", help="batch sizes to time, in order")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--runs", default="20,5", help="timed runs per batch size, in the same order")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output-prefix", help="write PREFIX-b<batch>.f32 with each batch size's outputs")
    parser.add_argument("--logits-output", help="after timing, write the largest batch's values before the final softmax here")
    parsed = parser.parse_args()
    parsed.batches = [int(b) for b in parsed.batches.split(",")]
    parsed.runs = [int(r) for r in parsed.runs.split(",")]
    if len(parsed.runs) != len(parsed.batches) or min(parsed.batches + parsed.runs) < 1 or parsed.warmup < 1:
        parser.error("--runs needs one positive count per batch size, and --warmup at least 1")
    return parsed


def images(path, shape, batch):
    one = int(np.prod(shape))
    values = np.fromfile(path, dtype="<f4")
    if values.size < batch * one:
        sys.exit(f"{path}: {values.size} floats, a batch of {batch} x {shape} needs {batch * one}")
    return np.ascontiguousarray(values[: batch * one].reshape([batch] + list(shape)))


def run(framework, options, load, make_call, make_logits_call, extra=None):
    """`load()` builds the model (timed as load_s); `make_call(model, batch_array)` returns a function that
    computes the outputs of that batch as a numpy array, `make_logits_call` one that computes the values
    before the final softmax (keras_logits.py says why), used after all timing."""
    shape = [int(s) for s in options.shape.split(",")]
    before_load = resident_bytes()
    start = time.perf_counter()
    model = load()
    load_seconds = time.perf_counter() - start
    for batch, runs in zip(options.batches, options.runs):
        call = make_call(model, images(options.input, shape, batch))
        for _ in range(options.warmup):
            outputs = call()
        milliseconds = []
        for _ in range(runs):
            start = time.perf_counter()
            outputs = call()
            milliseconds.append((time.perf_counter() - start) * 1e3)
        if options.output_prefix:
            np.ascontiguousarray(outputs, dtype="<f4").tofile(f"{options.output_prefix}-b{batch}.f32")
        record = {"framework": framework, "batch": batch, "threads": options.threads, "times_ms": milliseconds,
                  "load_s": load_seconds, "output_shape": list(outputs.shape),
                  # The peak so far: batch 1 runs first (latency.py passes 1,16), so its peak is its own and batch 16's
                  # includes it.
                  "rss_before_load_bytes": before_load, "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
        record.update(extra(model) if extra else {})
        print(json.dumps(record, sort_keys=True), flush=True)
    if options.logits_output:
        logits = make_logits_call(model, images(options.input, shape, max(options.batches)))()
        np.ascontiguousarray(logits, dtype="<f4").tofile(options.logits_output)


def normalised_difference(reference, other):
    """max |a - b| / max |a|: the project's parity measure."""
    reference = np.asarray(reference, np.float64)
    return float(np.max(np.abs(reference - np.asarray(other, np.float64))) / max(np.max(np.abs(reference)), 1e-30))


def resident_bytes():
    """This process's resident memory now (VmRSS): with the framework imported, before any model is loaded."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))


def quiet_tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

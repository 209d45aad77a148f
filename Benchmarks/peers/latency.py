"""Driver of Benchmarks/latency.sh: batch-1 latency and batch-16 throughput of VGG16, VGG19 and ResNet50
at 224x224, and batch-1 latency of the tuberculosis notebooks' VGG16 and VGG19 at 512x512, in Zoo, Keras on
TensorFlow, ONNX Runtime and PyTorch, on the same weights and the same inputs, in one run.

First the machine's ceilings are measured once (`zoo ceilings --json` on the same threads: the FMA peak and
the memory bandwidth), so every GFLOP/s figure is a share of this machine's peak, never of another's.
For each model: the Keras checkpoint (a reference one from scripts/golden.sh's directory, or a seeded
one made here) is converted with `zoo convert` and exported to ONNX (onnx_export.py, cached while the
checkpoint and the exporter are unchanged), which PyTorch runs too (onnx_torch.py: the same weights);
seeded caffe-preprocessed images are written. Then, for
each of --rounds rounds, every framework runs in a process of its own, one after the other (never two at
once), in an order that rotates between rounds, so a burst of load from other processes on this shared
machine does not always fall on the same framework. Zoo runs batch 1 and batch 16 in separate processes.
Every runner reports its resident memory before loading the model (the language runtime and the framework's
libraries) and its peak: the difference is the memory inference takes.

Every framework's outputs, and its values before the final softmax, are compared with Keras' (max |d| /
max |Keras|) after the first round, before any result is written; above 1e-4 the run fails.
Latency statistics pool the timed runs of all rounds. Results go through report.py.

    python latency.py --zoo ZOO --model-bench MODELBENCH --out DIR [--golden DIR] [--models vgg16,vgg19,resnet50,tb_vgg16,tb_vgg19]
                      [--rounds 3] [--runs-b1 30] [--runs-b16 4] [--warmup 3] [--threads 2] [--cache DIR] [--name latency]
    --models wider: DenseNet121, MobileNetV2 and EfficientNetB0 (with --name latency-wider, so the main table stays)
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

import numpy as np
import onnx

import report
from machine import cpu
from peer_timing import normalised_difference
from report import FRAMEWORKS

HERE = os.path.dirname(os.path.abspath(__file__))
# name -> (keras.applications class of a seeded stand-in, its arguments, image side, batch sizes timed; the image
# size timed is the checkpoint's own input size). The
# tuberculosis models (reference set: tb_vgg16/tb_vgg19, the notebooks' 512x512 heads on a nested VGG base) are
# stood in for, without --golden, by the base with global average pooling.
MODELS = {
    "vgg16": ("VGG16", {}, 224, (1, 16)),
    "vgg19": ("VGG19", {}, 224, (1, 16)),
    "resnet50": ("ResNet50", {}, 224, (1, 16)),
    "tb_vgg16": ("VGG16", {"include_top": False, "input_shape": (512, 512, 3), "pooling": "avg"}, 512, (1,)),
    "tb_vgg19": ("VGG19", {"include_top": False, "input_shape": (512, 512, 3), "pooling": "avg"}, 512, (1,)),
    # The wider zoo (issue 14): memory-bound depthwise convolutions (MobileNetV2, EfficientNetB0) and DenseNet's
    # concatenations. Not part of the default run (WIDER); the reference set has DenseNet121 only, the other two
    # are seeded stand-ins even with --golden.
    "densenet121": ("DenseNet121", {}, 224, (1, 16)),
    "mobilenetv2": ("MobileNetV2", {}, 224, (1, 16)),
    "efficientnetb0": ("EfficientNetB0", {}, 224, (1, 16)),
}
WIDER = ["densenet121", "mobilenetv2", "efficientnetb0"]
TOLERANCE = 1e-4
PEER_RUNNERS = {"keras": "keras_bench.py", "onnxruntime": "ort_bench.py", "torch": "torch_bench.py"}
CAFFE_MEANS_BGR = np.array([103.939, 116.779, 123.68])


class BenchmarkFailure(Exception):
    pass


def log(message):
    print(f"latency: {message}", file=sys.stderr, flush=True)


def load_average():
    with open("/proc/loadavg") as f:
        return [float(value) for value in f.read().split()[:3]]


def run(command, what, environment=None):
    result = subprocess.run(command, capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        raise BenchmarkFailure(f"{what} failed (exit {result.returncode}): {' '.join(command)}\n{result.stderr[-3000:]}")
    return result


def file_digest(paths, extra=""):
    digest = hashlib.sha256(extra.encode())
    for path in paths:
        status = os.stat(path)
        digest.update(f"{os.path.abspath(path)}:{status.st_size}:{status.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


def seeded_checkpoint(name, directory):
    """A keras.applications model with seeded random weights (when no reference checkpoint is given)."""
    path = os.path.join(directory, "seeded.keras")
    if not os.path.exists(path):
        log(f"{name}: making a seeded checkpoint {path}")
        application, arguments, _, _ = MODELS[name]
        script = (f"import keras; keras.utils.set_random_seed(2019); "
                  f"keras.applications.{application}(weights=None, **{arguments!r}).save({path + '.tmp.keras'!r})")
        run([sys.executable, "-c", script], f"making a seeded {name}", dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
        os.replace(path + ".tmp.keras", path)
    return path


def onnx_model(checkpoint, directory):
    """The ONNX export of `checkpoint`, remade when the checkpoint or the exporter changed."""
    exporter = os.path.join(HERE, "onnx_export.py")
    stamp = file_digest([checkpoint], extra=hashlib.sha256(open(exporter, "rb").read()).hexdigest())
    path = os.path.join(directory, f"model-{stamp}.onnx")
    if not os.path.exists(path):
        for old in os.listdir(directory):
            if old.endswith(".onnx"):
                os.remove(os.path.join(directory, old))
        log(f"exporting {checkpoint} to ONNX (about a minute for VGG)")
        run([sys.executable, exporter, checkpoint, path], "the ONNX export", dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    return path


def write_images(path, count, side):
    """`count` seeded RGB images of `side` x `side` in 0..255, caffe-preprocessed (BGR, ImageNet means
    subtracted): the inputs these checkpoints expect, identical for every framework."""
    rng = np.random.default_rng(224)
    rgb = rng.uniform(0, 255, (count, side, side, 3))
    (rgb[..., ::-1] - CAFFE_MEANS_BGR).astype("<f4").tofile(path)


class ModelRun:
    """One model's files and the measurements collected over the rounds."""

    def __init__(self, name, checkpoint, options):
        self.name = name
        self.options = options
        self.directory = os.path.join(options.cache, name)
        os.makedirs(self.directory, exist_ok=True)
        self.checkpoint = checkpoint
        self.batches = MODELS[name][3]
        self.samples = {(f, b): [] for f in FRAMEWORKS for b in self.batches}
        self.round_medians = {(f, b): [] for f in FRAMEWORKS for b in self.batches}
        self.memory = {(f, b): [] for f in FRAMEWORKS for b in self.batches}
        self.details = {}
        self.differences = {}

    def prepare(self):
        self.checkpoint = self.checkpoint or seeded_checkpoint(self.name, self.directory)
        self.converted = os.path.join(self.directory, "model.safetensors")
        log(f"{self.name}: zoo convert {self.checkpoint}")
        run([self.options.zoo, "convert", self.checkpoint, "-o", self.converted, "--quiet", "--force"], "zoo convert")
        self.onnx = onnx_model(self.checkpoint, self.directory)
        # The checkpoint's own input size (the exported graph's input is Keras' NHWC).
        dimensions = onnx.load(self.onnx, load_external_data=False).graph.input[0].type.tensor_type.shape.dim
        self.image = tuple(int(d.dim_value) for d in dimensions[1:])
        self.images = os.path.join(self.directory, "images.f32")
        write_images(self.images, max(self.batches), self.image[0])

    def output(self, framework, batch):
        return os.path.join(self.directory, f"out-{framework}-b{batch}.f32")

    def logits(self, framework):
        return os.path.join(self.directory, f"logits-{framework}.f32")

    def measure(self, framework, check):
        """Times `framework` on both batch sizes; with `check`, also writes its values before the final softmax."""
        runs = {1: self.options.runs_b1, 16: self.options.runs_b16}
        if framework == "zoo":
            records = []
            for batch in self.batches:
                command = [self.options.model_bench, self.converted,
                           "--input", self.images, "--batch", str(batch), "--warmup", str(self.options.warmup),
                           "--runs", str(runs[batch]), "--threads", str(self.options.threads),
                           "--output", self.output("zoo", batch)]
                records.append(json.loads(run(command, f"ModelBench on {self.name}").stdout.strip().splitlines()[-1]))
            if check:  # a process of its own, so the timed processes' peak memory is the plain model's
                run([self.options.model_bench, self.converted, "--input", self.images, "--batch", str(max(self.batches)),
                     "--warmup", "1", "--runs", "1", "--threads", str(self.options.threads), "--logits",
                     "--output", self.logits("zoo")], f"ModelBench --logits on {self.name}")
        else:
            script = os.path.join(HERE, PEER_RUNNERS[framework])
            model = self.checkpoint if framework == "keras" else self.onnx
            command = [sys.executable, script, model, "--input", self.images, "--shape", ",".join(map(str, self.image)),
                       "--batches", ",".join(map(str, self.batches)), "--runs", ",".join(str(runs[b]) for b in self.batches),
                       "--warmup", str(self.options.warmup), "--threads", str(self.options.threads),
                       "--output-prefix", os.path.join(self.directory, f"out-{framework}")]
            if check:
                command += ["--logits-output", self.logits(framework)]
            output = run(command, f"{framework} on {self.name}", dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")).stdout
            records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        for record in records:
            key = (framework, record["batch"])
            self.samples[key] += record["times_ms"]
            self.round_medians[key].append(float(np.median(record["times_ms"])))
            self.memory[key].append((record["peak_rss_bytes"], record["rss_before_load_bytes"]))
            self.details.setdefault(framework, {}).update(
                {k: v for k, v in record.items() if k not in ("times_ms", "batch", "framework")})

    def check_outputs(self):
        """Every framework against Keras: the outputs of both batches, and the values before the final
        softmax (keras_logits.py says why); fails the run above the tolerance."""
        checked = [f for f in FRAMEWORKS if f != "keras"]
        pairs = [(f"b{batch}", self.output(framework, batch), self.output("keras", batch), framework)
                 for batch in self.batches for framework in checked]
        pairs += [("logits", self.logits(framework), self.logits("keras"), framework) for framework in checked]
        for what, path, reference_path, framework in pairs:
            reference, values = np.fromfile(reference_path, dtype="<f4"), np.fromfile(path, dtype="<f4")
            if values.shape != reference.shape:
                raise BenchmarkFailure(f"{self.name}: {framework} gave {values.size} values ({what}), Keras {reference.size}")
            difference = normalised_difference(reference, values)
            self.differences[f"{framework}_{what}"] = difference
            if not difference <= TOLERANCE:
                raise BenchmarkFailure(f"{self.name}: {framework}'s {what} values differ from Keras' by {difference:.3g} "
                                       f"(max |d| / max |Keras|), above {TOLERANCE:g}")

    def result(self):
        stats = {}
        for (framework, batch), samples in self.samples.items():
            times = np.array(samples)
            stats[f"{framework}_b{batch}"] = {
                "runs": len(samples), "median_ms": float(np.median(times)), "p90_ms": float(np.percentile(times, 90)),
                "p99_ms": float(np.percentile(times, 99)), "round_medians_ms": self.round_medians[(framework, batch)],
                "images_per_second": batch * 1e3 / float(np.median(times))}
        return {"model": self.name, "image": list(self.image), "batches": list(self.batches), "checkpoint": self.checkpoint,
                "stats": stats, "details": self.details,
                "memory": {f"{f}_b{b}": {"peak_rss_bytes": int(np.median([peak for peak, _ in v])),
                                         "rss_before_load_bytes": int(np.median([before for _, before in v]))}
                           for (f, b), v in self.memory.items()},
                "differences_vs_keras": self.differences}


def arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zoo", required=True, help="the release zoo executable")
    parser.add_argument("--model-bench", required=True, help="the release ModelBench executable")
    parser.add_argument("--out", required=True, help="where latency.{md,csv,json,svg} go")
    parser.add_argument("--golden", help="reference checkpoints (<dir>/<model>/k3.keras); seeded ones are made when absent")
    parser.add_argument("--ceilings", help="a `zoo ceilings --json` result to use instead of measuring (only to redraw a report)")
    parser.add_argument("--models", default=",".join(name for name in MODELS if name not in WIDER),
                        help=f"comma-separated; 'wider' stands for {','.join(WIDER)}")
    parser.add_argument("--name", default="latency", help="the results' file name before the CPU's (latency-<cpu>.md ...)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs-b1", type=int, default=30)
    parser.add_argument("--runs-b16", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cache", default=os.path.join(os.environ.get("ZOO_CACHE", os.path.expanduser("~/.cache/zoo")), "latency"))
    options = parser.parse_args()
    options.models = [model for name in options.models.split(",") for model in (WIDER if name == "wider" else [name])]
    unknown = [m for m in options.models if m not in MODELS]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; known: {', '.join(MODELS)}")
    if min(options.rounds, options.runs_b1, options.runs_b16, options.warmup, options.threads) < 1:
        parser.error("--rounds, --runs-b1, --runs-b16, --warmup and --threads must be at least 1")
    for tool in (options.zoo, options.model_bench):
        if not os.access(tool, os.X_OK):
            parser.error(f"{tool} is not an executable (build with `swift build -c release`)")
    if subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode != 0:
        parser.error(f"PyTorch is not in this venv: `{sys.executable} -m pip install -r python/requirements-torch.txt` "
                     "(Benchmarks/latency.sh does it on first use)")
    return options


def measured_ceilings(options):
    """This machine's FMA peak and memory bandwidth on the benchmark's threads, measured once per run by Zoo's
    own probe (the one `zoo profile` uses), with the CPU it names."""
    if options.ceilings:
        with open(options.ceilings) as f:
            return json.load(f)
    log(f"measuring the machine's ceilings on {options.threads} threads (zoo ceilings)")
    result = run([options.zoo, "ceilings", "--json", "--threads", str(options.threads)], "zoo ceilings")
    return json.loads(result.stdout.strip().splitlines()[-1])


def source_revision():
    """The commit the measured code was built from, marked `-modified` when the work tree differs from it,
    so a published table can be traced to its code; `unknown` outside a git checkout."""
    def git(*arguments):
        return subprocess.run(["git", "-C", HERE, *arguments], capture_output=True, text=True, check=True).stdout.strip()
    try:
        changed = git("status", "--porcelain", "--", ":/Sources", ":/Package.swift", ":/Benchmarks", ":!/Benchmarks/results")
        return git("rev-parse", "--short=12", "HEAD") + ("-modified" if changed else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    options = arguments()
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    revision = source_revision()
    load_before = load_average()
    ceilings = measured_ceilings(options)
    log(f"{ceilings['cpu_model']}: FMA peak {ceilings['fma_peak_gflops']:.0f} GFLOP/s ({ceilings['fma_unit']}), "
        f"memory {ceilings['memory_bandwidth_gbps']:.1f} GB/s")
    results = []
    for index, name in enumerate(options.models, 1):
        checkpoint = None
        if options.golden and name not in ("mobilenetv2", "efficientnetb0"):
            checkpoint = os.path.join(options.golden, name, "k3.keras")
            if not os.path.exists(checkpoint):
                raise BenchmarkFailure(f"{checkpoint} is missing: rerun scripts/golden.sh, or leave out --golden to use seeded checkpoints")
        model = ModelRun(name, checkpoint, options)
        log(f"model {index}/{len(options.models)} {name}: preparing")
        model.prepare()
        model_load = [load_average()]
        for round_index in range(options.rounds):
            shift = round_index % len(FRAMEWORKS)
            order = FRAMEWORKS[shift:] + FRAMEWORKS[:shift]
            for framework in order:
                log(f"model {index}/{len(options.models)} {name}, round {round_index + 1}/{options.rounds}: {framework}")
                model.measure(framework, check=round_index == 0)
            if round_index == 0:
                model.check_outputs()
            model_load.append(load_average())
        result = model.result()
        result["load_average_1min_mean"] = round(float(np.mean([sample[0] for sample in model_load])), 2)
        results.append(result)
    run_info = {"started_utc": started, "source_revision": revision, "load_average_before": load_before, "load_average_after": load_average(),
                "cores": os.cpu_count(), "threads": options.threads, "rounds": options.rounds,
                "runs_b1_per_round": options.runs_b1, "runs_b16_per_round": options.runs_b16, "warmup": options.warmup,
                "tolerance": TOLERANCE, "ceilings": ceilings, "cpu": cpu()}
    report.write(options.out, run_info, results, name=options.name)


if __name__ == "__main__":
    try:
        main()
    except BenchmarkFailure as failure:
        print(f"latency: error: {failure}", file=sys.stderr)
        sys.exit(1)

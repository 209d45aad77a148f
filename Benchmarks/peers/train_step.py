"""One training step of a notebook model, timed, in Keras 3 on TensorFlow or in PyTorch (CPU), for
Benchmarks/training.sh. Writes one record in the schema that train_report.py documents.

    python train_step.py --framework keras|torch --model vgg16|vgg19|resnet50 --mode frozen|last-block
                         --data FILE.npy --out JSON [--batch 16 --size 224 --steps 20 --warmup 3 --threads 2]
    python train_step.py --make-data FILE.npy [--raw FILE.f32] [--batch 16 --size 224]

The model is the base (random weights drawn from --seed, nothing downloaded) with the seed head of the
notebooks (docs/notebooks.md): VGG16/VGG19 carry the tuberculosis head (BatchNormalization, GAP,
Dropout 0.5, Dense 256, LeakyReLU 0.1, Dropout 0.25, Dense 2 softmax), ResNet50 the melanoma head
(BatchNormalization, GAP, Dropout 0.5, Dense 64 relu with L2 0.001 on the kernel, Dropout 0.5, Dense 2
softmax). Adam with Keras' defaults (lr 1e-3, betas 0.9/0.999, epsilon 1e-7, also given to PyTorch),
categorical cross-entropy, float32. Mode `frozen` trains the head alone; `last-block` also trains the
base's last block: VGG block5 (its three or four convolutions), ResNet50 conv5_block3 (torchvision's
layer4[-1]).

Frozen layers behave as in Keras 3: a frozen BatchNormalization normalises with its moving statistics
(inference mode) and keeps them. In PyTorch the frozen part of the base is in eval() mode and its
parameters have requires_grad=False, so autograd records nothing for it: the `torch.no_grad()` cost
Keras gets from a GradientTape that watches only trainable variables. The unfrozen block and the head
are in train mode (batch statistics, dropout).

PyTorch has no torchvision here (python/requirements-torch.txt says why), so the networks are defined
below, as keras.applications builds them: VGG is torchvision's VGG without its classifier; ResNet50 is
the v1 layout of keras.applications (stride 2 in the first 1x1 convolution of a stage, convolutions with
biases, BatchNormalization epsilon 1.001e-5), not torchvision's v1.5, so both do the same arithmetic.
Initialisers differ (each framework's default); timings do not depend on the values. PyTorch takes the
batch as NCHW (its default layout), converted once before timing; Keras takes it as NHWC.

Threads: TensorFlow's intra-op pool at --threads and one inter-op thread (as keras_bench.py); PyTorch's
torch.set_num_threads(--threads) and torch.set_num_interop_threads(1); OMP_NUM_THREADS=--threads for
both. Each step is timed with the wall clock: Keras' `model.train_on_batch(x, y)` (the compiled train
function, which returns the loss), PyTorch's zero_grad, forward, loss, backward, optimizer.step() and
loss.item(). --warmup untimed steps come first. Peak memory is this process's maximum resident set
(run one configuration per process).
"""
import argparse
import hashlib
import json
import os
import resource
import sys
import time

import numpy as np

from latency import load_average
from peer_timing import resident_bytes

MODELS = ("vgg16", "vgg19", "resnet50")
MODES = ("frozen", "last-block")
CLASSES = 2
CAFFE_MEANS_BGR = np.array([103.939, 116.779, 123.68])
# The Keras layer-name prefix of each base's last block.
KERAS_LAST_BLOCK = {"vgg16": "block5_", "vgg19": "block5_", "resnet50": "conv5_block3_"}
ADAM = {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}


def make_data(path, raw, batch, size):
    """`batch` seeded RGB images in 0..255, caffe-preprocessed (BGR, ImageNet means subtracted), NHWC float32, as
    .npy at `path` and, when `raw` is given, as raw float32 there too (Zoo's TrainBench has no .npy parser)."""
    rgb = np.random.default_rng(224).uniform(0, 255, (batch, size, size, 3))
    images = (rgb[..., ::-1] - CAFFE_MEANS_BGR).astype(np.float32)
    np.save(path, images)
    if raw:
        images.tofile(raw)


def labels(batch):
    """One-hot labels: image i is of class i % 2 (train_report.py's schema says the same)."""
    return np.eye(CLASSES, dtype=np.float32)[np.arange(batch) % CLASSES]


def keras_setup(threads):
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    return {"framework_version": f"keras {keras.__version__}, tensorflow {tf.__version__}",
            "threading": f"TensorFlow intra-op {threads}, inter-op 1; OMP_NUM_THREADS={threads}"}


def keras_step(name, mode, images, targets, seed):
    """The notebook model in Keras 3 (VGG bases nested as one layer, ResNet50 flat, as in the notebooks),
    compiled; returns (one training step, parameter counts, the compiled train function's jit_compile)."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    L = keras.layers
    size = images.shape[1]
    application = {"vgg16": keras.applications.VGG16, "vgg19": keras.applications.VGG19,
                   "resnet50": keras.applications.ResNet50}[name]
    base = application(include_top=False, weights=None, input_shape=(size, size, 3))
    for layer in base.layers:
        layer.trainable = mode == "last-block" and layer.name.startswith(KERAS_LAST_BLOCK[name])
    if name == "resnet50":
        inputs, x = base.input, base.output
    else:
        inputs = keras.Input((size, size, 3))
        x = base(inputs)
    x = L.BatchNormalization()(x)
    x = L.GlobalAveragePooling2D()(x)
    x = L.Dropout(0.5)(x)
    if name == "resnet50":
        x = L.Dense(64, activation="relu", kernel_regularizer=keras.regularizers.l2(0.001))(x)
        x = L.Dropout(0.5)(x)
    else:
        x = L.Dense(256)(x)
        x = L.LeakyReLU(negative_slope=0.1)(x)
        x = L.Dropout(0.25)(x)
    model = keras.Model(inputs, L.Dense(CLASSES, activation="softmax")(x))
    model.compile(optimizer=keras.optimizers.Adam(**ADAM), loss="categorical_crossentropy")
    x, y = tf.constant(images), tf.constant(targets)
    counts = {"parameters": int(model.count_params()),
              "trainable_parameters": int(sum(np.prod(w.shape) for w in model.trainable_weights))}
    return (lambda: float(model.train_on_batch(x, y))), counts, {"jit_compile": bool(model.jit_compile)}


def torch_setup(threads):
    import torch

    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    return {"framework_version": f"torch {torch.__version__} ({torch.backends.cpu.get_cpu_capability()} kernels)",
            "threading": f"torch.set_num_threads({threads}), set_num_interop_threads(1); OMP_NUM_THREADS={threads}"}


def torch_base(name):
    """The base as an nn.Sequential of stages, and its last block (see the module docstring)."""
    from torch import nn

    if name != "resnet50":
        convolutions = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}[name]
        blocks, channels = [], 3
        for count, width in zip(convolutions, (64, 128, 256, 512, 512)):
            layers = []
            for _ in range(count):
                layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(inplace=True)]
                channels = width
            blocks.append(nn.Sequential(*layers, nn.MaxPool2d(2)))
        base = nn.Sequential(*blocks)
        return base, base[-1], channels

    def norm(channels):
        return nn.BatchNorm2d(channels, eps=1.001e-5, momentum=0.01)  # Keras' momentum 0.99

    class Bottleneck(nn.Module):
        def __init__(self, inputs, width, stride, project):
            super().__init__()
            self.residual = nn.Sequential(
                nn.Conv2d(inputs, width, 1, stride=stride), norm(width), nn.ReLU(inplace=True),
                nn.Conv2d(width, width, 3, padding=1), norm(width), nn.ReLU(inplace=True),
                nn.Conv2d(width, 4 * width, 1), norm(4 * width))
            self.shortcut = (nn.Sequential(nn.Conv2d(inputs, 4 * width, 1, stride=stride), norm(4 * width))
                             if project else nn.Identity())

        def forward(self, x):
            return (self.residual(x) + self.shortcut(x)).relu_()

    stages = [nn.Sequential(nn.Conv2d(3, 64, 7, stride=2, padding=3), norm(64), nn.ReLU(inplace=True),
                            nn.MaxPool2d(3, stride=2, padding=1))]  # after ReLU, -inf padding equals Keras' zeros
    channels = 64
    for width, count, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        blocks = [Bottleneck(channels, width, stride, True)]
        blocks += [Bottleneck(4 * width, width, 1, False) for _ in range(count - 1)]
        stages.append(nn.Sequential(*blocks))
        channels = 4 * width
    base = nn.Sequential(*stages)
    return base, base[-1][-1], channels


def torch_step(name, mode, images, targets, seed):
    """The notebook model in PyTorch; returns (one training step, parameter counts, extra details)."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    base, last_block, channels = torch_base(name)
    width = 64 if name == "resnet50" else 256
    head = nn.Sequential(nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Dropout(0.5), nn.Linear(channels, width),
                         nn.ReLU() if name == "resnet50" else nn.LeakyReLU(0.1),
                         nn.Dropout(0.5 if name == "resnet50" else 0.25), nn.Linear(width, CLASSES))
    model = nn.Sequential(base, head).train()
    base.eval()
    base.requires_grad_(False)
    if mode == "last-block":
        last_block.train()
        last_block.requires_grad_(True)
    regularised = head[4].weight if name == "resnet50" else None
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(trainable, lr=ADAM["learning_rate"], betas=(ADAM["beta_1"], ADAM["beta_2"]),
                                 eps=ADAM["epsilon"])
    x = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))
    y = torch.from_numpy(targets)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(model(x), y)  # softmax folded in; y are class probabilities
        if regularised is not None:
            loss = loss + 0.001 * regularised.square().sum()  # Keras' l2(0.001) term
        loss.backward()
        optimizer.step()
        return loss.item()

    # Keras counts BatchNormalization's moving statistics as (non-trainable) weights: so do we.
    statistics = (b for n, b in model.named_buffers() if not n.endswith("num_batches_tracked"))
    counts = {"parameters": sum(p.numel() for p in model.parameters()) + sum(b.numel() for b in statistics),
              "trainable_parameters": sum(p.numel() for p in trainable)}
    return step, counts, {}


FRAMEWORKS = {"keras": (keras_setup, keras_step), "torch": (torch_setup, torch_step)}


def arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--make-data", metavar="FILE.npy", help="write the fixed batch and exit")
    parser.add_argument("--raw", metavar="FILE.f32", help="with --make-data: also write the batch as raw float32")
    parser.add_argument("--framework", choices=FRAMEWORKS)
    parser.add_argument("--model", choices=MODELS)
    parser.add_argument("--mode", choices=MODES)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--steps", type=int, default=20, help="timed steps")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps before them")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--data", help="the fixed batch (--make-data), NHWC float32")
    parser.add_argument("--out", help="where the JSON record goes")
    options = parser.parse_args()
    if min(options.batch, options.size, options.steps, options.warmup, options.threads) < 1:
        parser.error("--batch, --size, --steps, --warmup and --threads must be at least 1")
    if options.raw and not options.make_data:
        parser.error("--raw goes with --make-data")
    if not options.make_data and None in (options.framework, options.model, options.mode, options.data, options.out):
        parser.error("--framework, --model, --mode, --data and --out are required (or --make-data FILE)")
    return options


def main():
    options = arguments()
    if options.make_data:
        make_data(options.make_data, options.raw, options.batch, options.size)
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["OMP_NUM_THREADS"] = str(options.threads)
    images = np.load(options.data)
    if images.dtype != np.float32 or images.shape[0] < options.batch or images.shape[1:] != (options.size, options.size, 3):
        sys.exit(f"{options.data}: {images.dtype} {images.shape}, needs float32 ({options.batch}+, {options.size}, {options.size}, 3)")
    images = np.ascontiguousarray(images[: options.batch])
    setup, build = FRAMEWORKS[options.framework]
    record = {"schema": 1, "framework": options.framework, "model": options.model, "mode": options.mode,
              "batch": options.batch, "size": options.size, "steps": options.steps, "warmup": options.warmup,
              "threads": options.threads, "seed": options.seed, "data": os.path.abspath(options.data),
              "data_sha256": hashlib.sha256(images.tobytes()).hexdigest()[:16],
              "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "load_average_1min_before": load_average()[0]}
    record.update(setup(options.threads))
    record["rss_before_model_bytes"] = resident_bytes()
    step, counts, details = build(options.model, options.mode, images, labels(options.batch), options.seed)
    record.update(counts)
    record.update(details)
    losses = [step() for _ in range(options.warmup)]
    milliseconds = []
    for _ in range(options.steps):
        start = time.perf_counter()
        losses.append(step())
        milliseconds.append((time.perf_counter() - start) * 1e3)
    if not np.all(np.isfinite(losses)):
        sys.exit(f"{options.framework} {options.model} {options.mode}: a loss is not finite: {losses}")
    record.update({"times_ms": milliseconds, "median_ms": float(np.median(milliseconds)),
                   "p90_ms": float(np.percentile(milliseconds, 90)), "losses": losses,
                   "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                   "load_average_1min_after": load_average()[0]})
    temporary = f"{options.out}.{os.getpid()}.tmp"
    with open(temporary, "w") as f:
        json.dump(record, f, indent=1)
    os.replace(temporary, options.out)
    print(f"{options.framework} {options.model} {options.mode}: median {record['median_ms']:.1f} ms, "
          f"p90 {record['p90_ms']:.1f} ms, peak {record['peak_rss_bytes'] / 1e6:.0f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Batch-1 latency (median, p90, p99) and batch-16 throughput at 224x224 of VGG16, VGG19 and ResNet50, and
# batch-1 latency at 512x512 of the tuberculosis notebooks' VGG16 and VGG19, in Zoo, Keras on TensorFlow,
# ONNX Runtime and PyTorch: same weights, same inputs, same run, 2 threads each, one framework at a time.
# Measures the machine's FMA peak and memory bandwidth first (`zoo ceilings`). Prints a Markdown table (ratios
# to the fastest peer, GFLOP/s and their share of the measured FMA peak, each framework's inference memory over
# the weight bytes) and writes Benchmarks/results/latency-<cpu>.{md,csv,json,svg}, one set per machine kind
# (Benchmarks/peers/machine.py names it). Progress on stderr.
#
# Usage: ZOO_PYTHON=/path/to/python [ZOO_GOLDEN=DIR] Benchmarks/latency.sh [latency.py options]
#   ZOO_PYTHON  the pinned interpreter (scripts/python-env.sh); make latency-bench sets it
#   ZOO_GOLDEN  reference checkpoints (<dir>/<model>/k3.keras, scripts/golden.sh); without it, seeded
#               checkpoints are made once into the cache
#   Options (Benchmarks/peers/latency.py --help): --models vgg16,vgg19,resnet50,tb_vgg16,tb_vgg19 --rounds 3 --runs-b1 30
#   --runs-b16 4 --warmup 3 --threads 2. About 17 minutes with the defaults on a loaded machine (including
#   about 3 minutes of ONNX export the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${ZOO_PYTHON:-}" ]]; then
    echo "latency.sh: ZOO_PYTHON is not set: run \`make latency-bench\`, or export ZOO_PYTHON=\$(scripts/python-env.sh | tail -n1)" >&2
    exit 1
fi

source Benchmarks/require-torch.sh
require_torch latency.sh

echo "latency.sh: building zoo and ModelBench (release)..." >&2
swift build -c release --product zoo >&2
swift build -c release --product ModelBench >&2
bin="$(swift build -c release --show-bin-path)"

golden=()
if [[ -n "${ZOO_GOLDEN:-}" ]]; then golden=(--golden "$ZOO_GOLDEN"); fi
exec "$ZOO_PYTHON" Benchmarks/peers/latency.py --zoo "$bin/zoo" --model-bench "$bin/ModelBench" \
    --out Benchmarks/results "${golden[@]}" "$@"

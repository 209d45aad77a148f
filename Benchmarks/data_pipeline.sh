#!/usr/bin/env bash
# Images per second for read + decode + resize (to 224 and 512) + RGB float32 of a 3000x3000
# 8-bit PNG and a 600x450 JPEG: Zoo (release build) next to Pillow, same inputs, same run, one
# core each. Writes Benchmarks/results/data_pipeline.{md,csv,json}.
#
# Usage: ZOO_PYTHON=/path/to/python Benchmarks/data_pipeline.sh [SECONDS_PER_MEASUREMENT]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-3}"
if [[ -z "${ZOO_PYTHON:-}" ]]; then
    echo "ZOO_PYTHON is not set: run \`make test\` first, or export ZOO_PYTHON=\$(scripts/python-env.sh)" >&2
    exit 1
fi

echo "building DataBench (release)..." >&2
swift build -c release --product DataBench >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$ZOO_PYTHON" Benchmarks/data_pipeline.py inputs "$work"
files=("$work/chest_3000x3000_8bit.png" "$work/lesion_600x450.jpg")

one_core=()
if command -v taskset >/dev/null; then one_core=(taskset -c 0); fi
echo "timing Zoo (${seconds}s per measurement)..." >&2
"${one_core[@]}" .build/release/DataBench "$seconds" 224,512 "${files[@]}" > "$work/zoo.jsonl"
echo "timing Pillow..." >&2
OMP_NUM_THREADS=1 "${one_core[@]}" "$ZOO_PYTHON" Benchmarks/data_pipeline.py pillow "$seconds" "${files[@]}" > "$work/pillow.jsonl"
"$ZOO_PYTHON" Benchmarks/data_pipeline.py report Benchmarks/results "$work/zoo.jsonl" "$work/pillow.jsonl"

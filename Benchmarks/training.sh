#!/usr/bin/env bash
# One training step (forward, loss, backward, Adam update) of the notebook models, VGG16, VGG19 and
# ResNet50 with their seed heads, at batch 16 and 224x224, in Zoo (Benchmarks/TrainBench), Keras on TensorFlow
# and PyTorch: the same fixed batch for all, 2 threads each, two modes (frozen base;
# last block unfrozen), every framework x model x mode in a process of its own so peak memory is its own.
# Prints a Markdown table (median and p90 step time, peak memory, ratio to the fastest peer, the CPU and
# its vector extensions) and writes Benchmarks/results/training-<cpu>.{md,csv,json}. Progress on stderr.
#
# Usage: ZOO_PYTHON=/path/to/python Benchmarks/training.sh [--models vgg16,vgg19,resnet50]
#            [--modes frozen,last-block] [--frameworks keras,torch] [--steps 20] [--warmup 3] [--batch 16]
#            [--size 224] [--threads 2] [--out Benchmarks/results]
#   ZOO_PYTHON  the pinned interpreter with torch (scripts/python-env.sh); make training-bench sets it
# About 15 minutes with the defaults on an idle 2-core machine (VGG19 steps take seconds each).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${ZOO_PYTHON:-}" ]]; then
    echo "training.sh: ZOO_PYTHON is not set: run \`make training-bench\`, or export ZOO_PYTHON=\$(scripts/python-env.sh | tail -n1)" >&2
    exit 1
fi

models=vgg16,vgg19,resnet50 modes=frozen,last-block frameworks=zoo,keras,torch
steps=20 warmup=3 batch=16 size=224 threads=2 out=Benchmarks/results
while [[ $# -gt 0 ]]; do
    case "$1" in
        --models|--modes|--frameworks|--steps|--warmup|--batch|--size|--threads|--out)
            [[ $# -ge 2 ]] || { echo "training.sh: $1 needs a value" >&2; exit 2; }
            declare "${1#--}=$2"; shift 2 ;;
        *) echo "training.sh: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
    esac
done

source Benchmarks/require-torch.sh
if [[ ",$frameworks," == *,torch,* ]]; then require_torch training.sh "or pass --frameworks keras"; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
data="$work/batch-$batch-$size.npy"
export TF_CPP_MIN_LOG_LEVEL=3
# Zoo reads the same batch as raw float32 (no .npy parser in Swift).
raw="$work/batch-$batch-$size.f32"
"$ZOO_PYTHON" Benchmarks/peers/train_step.py --make-data "$data" --raw "$raw" --batch "$batch" --size "$size"
if [[ ",$frameworks," == *,zoo,* ]]; then
    swift build -c release --product TrainBench >&2
    trainbench="$(swift build -c release --show-bin-path)/TrainBench"
fi
echo "training.sh: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | xargs), AVX-512: $(grep -q -o -w avx512f /proc/cpuinfo && echo yes || echo no)" >&2

measure() {  # framework model mode: one process, one record in $work
    local record="$work/$1-$2-$3.json"
    case "$1" in
        keras|torch)
            "$ZOO_PYTHON" Benchmarks/peers/train_step.py --framework "$1" --model "$2" --mode "$3" --batch "$batch" \
                --size "$size" --steps "$steps" --warmup "$warmup" --threads "$threads" --data "$data" --out "$record" ;;
        zoo)
            "$trainbench" --model "$2" --mode "$3" --batch "$batch" --size "$size" --steps "$steps" --warmup "$warmup" \
                --threads "$threads" --data "$raw" --data-name "$data" --out "$record" ;;
        *) echo "training.sh: unknown framework $1 (keras, torch, zoo)" >&2; return 1 ;;
    esac
}

IFS=, read -r -a framework_list <<< "$frameworks"
index=0
for model in ${models//,/ }; do
    for mode in ${modes//,/ }; do
        # The order rotates between configurations, so a burst of load from other processes on a shared
        # machine does not always fall on the same framework.
        for ((k = 0; k < ${#framework_list[@]}; k++)); do
            framework="${framework_list[(index + k) % ${#framework_list[@]}]}"
            echo "training.sh: $framework $model $mode (batch $batch, ${size}x$size, $warmup + $steps steps)" >&2
            measure "$framework" "$model" "$mode"
        done
        index=$((index + 1))
    done
done

"$ZOO_PYTHON" Benchmarks/peers/train_report.py --out "$out" "$work"/*.json

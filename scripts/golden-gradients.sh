#!/usr/bin/env bash
# Prints (last stdout line) the directory holding the golden gradients written by
# Tests/GoldenOutputs/training/gradients.py: per case, TensorFlow's gradients (GradientTape) of a Keras
# model's training loss for a seeded batch, and the weights after Keras' own train_on_batch steps:
#
#   ${ZOO_CACHE:-$HOME/.cache/zoo}/golden-gradients-<12 hex of sha256(training/gradients.py + activations.py
#                                                        + generate.py + python/requirements.txt)>
#
# (activations.py is in the hash because gradients.py imports its odd-size clone.) The narrow checkpoints come
# from scripts/golden.sh (generated first when missing), the tiny ones are the committed fixtures. The set is
# generated on first use (about 60 MB, 50 s on 2 cores, 90 s next to a Swift build) with $ZOO_PYTHON when set, else the
# Python from scripts/python-env.sh, and reused while the four files are unchanged. A directory is complete
# only when its `.complete` marker (written last by gradients.py) says mode "full"; anything else is
# regenerated. Older golden-gradients-* sets in the cache are removed after a successful generation unless
# ZOO_KEEP_OLD_GOLDEN=1. Progress goes to stderr; exits non-zero on failure.
set -euo pipefail

die() { echo "golden-gradients.sh: error: $*" >&2; exit 1; }
log() { echo "golden-gradients.sh: $*" >&2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/cached-set.sh"
cached_set_over_golden golden-gradients 1 "the golden gradients" \
  "$root/Tests/GoldenOutputs/training/gradients.py" \
  "$root/Tests/GoldenOutputs/activations.py" \
  "$root/Tests/GoldenOutputs/generate.py" \
  "$root/python/requirements.txt"

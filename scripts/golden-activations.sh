#!/usr/bin/env bash
# Prints (last stdout line) the directory holding the golden activations written by
# Tests/GoldenOutputs/activations.py for every model of the full golden set (every layer's output,
# computed by Keras, for the fixed inputs normal / image / large / odd; the full-size models keep every
# layer for image / odd and only the model output for normal / large):
#
#   ${ZOO_CACHE:-$HOME/.cache/zoo}/golden-activations-<12 hex of sha256(activations.py + generate.py
#                                                          + python/requirements.txt)>
#
# The checkpoints come from scripts/golden.sh (generated first when missing). The activations are
# generated on first use (about 2.7 GB, a few minutes on 2 cores, peak ~3 GB of memory) with
# $ZOO_PYTHON when set, else the Python from scripts/python-env.sh, and reused while the three files
# are unchanged. A directory is complete only when its `.complete` marker (written last by
# activations.py) says mode "full"; anything else is regenerated. Older golden-activations-* sets in
# the cache are removed after a successful generation unless ZOO_KEEP_OLD_GOLDEN=1. Progress goes to
# stderr; exits non-zero on failure.
set -euo pipefail

die() { echo "golden-activations.sh: error: $*" >&2; exit 1; }
log() { echo "golden-activations.sh: $*" >&2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/cached-set.sh"
cached_set_over_golden golden-activations 4 "the golden activations" \
  "$root/Tests/GoldenOutputs/activations.py" \
  "$root/Tests/GoldenOutputs/generate.py" \
  "$root/python/requirements.txt"

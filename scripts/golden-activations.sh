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
# generated on first use (about 2.4 GB, a few minutes on 2 cores, peak ~3 GB of memory) with
# $ZOO_PYTHON when set, else the Python from scripts/python-env.sh, and reused while the three files
# are unchanged. A directory is complete only when its `.complete` marker (written last by
# activations.py) says mode "full"; anything else is regenerated. Older golden-activations-* sets in
# the cache are removed after a successful generation unless ZOO_KEEP_OLD_GOLDEN=1. Progress goes to
# stderr; exits non-zero on failure.
set -euo pipefail

die() { echo "golden-activations.sh: error: $*" >&2; exit 1; }
log() { echo "golden-activations.sh: $*" >&2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
act="$root/Tests/GoldenOutputs/activations.py"
gen="$root/Tests/GoldenOutputs/generate.py"
req="$root/python/requirements.txt"
for f in "$act" "$gen" "$req"; do
  [ -f "$f" ] || die "missing $f"
done

hash="$(cat "$act" "$gen" "$req" | sha256sum | cut -c1-12)" || die "sha256sum failed"
. "$root/scripts/cached-set.sh"
cached_set_begin golden-activations "$hash"
resolve_python
# The checkpoints (golden.sh resolves the same python through ZOO_PYTHON).
golden="$(ZOO_PYTHON="$py" "$root/scripts/golden.sh" | tail -n 1)" || die "scripts/golden.sh failed"
[ -f "$golden/manifest.json" ] || die "scripts/golden.sh printed '$golden', which has no manifest.json"
require_free_gb 4 "the golden activations"
cached_set_generate "the golden activations" "$py" "$act" --golden "$golden" --out "$dir"

#!/usr/bin/env bash
# Prints (last stdout line) the directory holding the full golden set written by
# Tests/GoldenOutputs/generate.py (the narrow models in every Keras format with expected.safetensors,
# the full-size models as Keras 3 .keras files; Tests/GoldenOutputs/README.md):
#
#   ${ZOO_CACHE:-$HOME/.cache/zoo}/golden-<12 hex of sha256(generate.py + python/requirements.txt)>
#
# The set is generated on first use (about 2.6 GB, a few minutes on 2 cores) with $ZOO_PYTHON when
# set (make test passes the pinned venv's python), else the Python from scripts/python-env.sh, and
# reused while the generator and the pins are unchanged. A directory is complete only when its
# `.complete` marker (written last by generate.py) says mode "full"; anything else is regenerated.
# Older golden-* sets in the cache are removed after a successful generation unless
# ZOO_KEEP_OLD_GOLDEN=1. Progress goes to stderr; exits non-zero on failure.
set -euo pipefail

die() { echo "golden.sh: error: $*" >&2; exit 1; }
log() { echo "golden.sh: $*" >&2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
gen="$root/Tests/GoldenOutputs/generate.py"
req="$root/python/requirements.txt"
[ -f "$gen" ] || die "missing $gen"
[ -f "$req" ] || die "missing $req"

hash="$(cat "$gen" "$req" | sha256sum | cut -c1-12)" || die "sha256sum failed"
. "$root/scripts/cached-set.sh"
cached_set_begin golden "$hash"
require_free_gb 4 "the golden set"
resolve_python
cached_set_generate "the golden set" "$py" "$gen" --out "$dir"

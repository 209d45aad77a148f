#!/usr/bin/env bash
# Prints (last stdout line) the directory holding the golden activations written by
# Tests/GoldenOutputs/activations.py for every model of the full golden set (every layer's output,
# computed by Keras, for the fixed inputs normal / image / large / odd):
#
#   ${ZOO_CACHE:-$HOME/.cache/zoo}/golden-activations-<12 hex of sha256(activations.py + generate.py
#                                                          + python/requirements.txt)>
#
# The checkpoints come from scripts/golden.sh (generated first when missing). The activations are
# generated on first use (about 7.4 GB, about 5 minutes on 2 cores, peak ~3 GB of memory) with
# $ZOO_PYTHON when set, else the Python from scripts/python-env.sh, and reused while the three files
# are unchanged. A directory is complete only when its `.complete` marker (written last by
# activations.py) says mode "full"; anything else is regenerated. Older golden-activations-* sets in
# the cache are removed after a successful generation unless ZOO_KEEP_OLD_GOLDEN=1. (golden.sh's own
# clean-up glob `golden-*` also matches these sets; it only runs when generate.py changed, which
# makes them stale anyway.) Progress goes to stderr; exits non-zero on failure.
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
cache="${ZOO_CACHE:-$HOME/.cache/zoo}"
dir="$cache/golden-activations-$hash"

is_complete() { [ -f "$dir/.complete" ] && grep -q '"mode": "full"' "$dir/.complete"; }

if is_complete; then
  echo "$dir"
  exit 0
fi

mkdir -p "$cache" || die "cannot create cache directory $cache"
exec 9>"$cache/.golden-activations-$hash.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9 || die "cannot lock $cache/.golden-activations-$hash.lock"
  if is_complete; then   # another caller finished it while we waited
    echo "$dir"
    exit 0
  fi
fi

if [ -n "${ZOO_PYTHON:-}" ]; then      # already resolved by the caller (make test)
  py="$ZOO_PYTHON"
  [ -x "$py" ] || die "ZOO_PYTHON=$py is not an executable interpreter"
else
  py="$("$root/scripts/python-env.sh" | tail -n 1)" || die "could not set up the Python environment (scripts/python-env.sh failed)"
  [ -x "$py" ] || die "scripts/python-env.sh did not print a Python interpreter (got '$py')"
fi

# The checkpoints (golden.sh resolves the same python through ZOO_PYTHON).
golden="$(ZOO_PYTHON="$py" "$root/scripts/golden.sh" | tail -n 1)" || die "scripts/golden.sh failed"
[ -f "$golden/manifest.json" ] || die "scripts/golden.sh printed '$golden', which has no manifest.json"

need_kb=$((9 * 1024 * 1024))
avail_kb="$(df -Pk "$cache" | awk 'NR==2 {print $4}')"
if [ -n "$avail_kb" ] && [ "$avail_kb" -lt "$need_kb" ]; then
  die "need about 9 GB free in $cache for the golden activations, only $((avail_kb / 1024 / 1024)) GB available (set ZOO_CACHE elsewhere)"
fi

log "generating the golden activations into $dir from $golden (takes several minutes)"
start=$(date +%s)
TF_CPP_MIN_LOG_LEVEL=3 "$py" "$act" --golden "$golden" --out "$dir" >&2 \
  || die "activations.py failed; the partial set in $dir will be regenerated on the next run"
is_complete || die "activations.py finished but $dir/.complete does not mark a full set"
log "golden activations ready in $(( $(date +%s) - start ))s"

if [ "${ZOO_KEEP_OLD_GOLDEN:-0}" != "1" ]; then
  for old in "$cache"/golden-activations-*; do
    [ -d "$old" ] || continue
    [ "$old" = "$dir" ] && continue
    log "removing stale golden activations $old"
    rm -rf "$old"
  done
fi
echo "$dir"

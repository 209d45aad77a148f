#!/usr/bin/env bash
# Prints (last stdout line) the directory holding the full golden set written by
# Tests/GoldenOutputs/generate.py (every model in every Keras format plus expected.safetensors):
#
#   ${ZOO_CACHE:-$HOME/.cache/zoo}/golden-<12 hex of sha256(generate.py + python/requirements.txt)>
#
# The set is generated on first use (about 11 GB, about 5 minutes on 2 cores) with $ZOO_PYTHON when
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
cache="${ZOO_CACHE:-$HOME/.cache/zoo}"
dir="$cache/golden-$hash"

is_complete() { [ -f "$dir/.complete" ] && grep -q '"mode": "full"' "$dir/.complete"; }

if is_complete; then
  echo "$dir"
  exit 0
fi

mkdir -p "$cache" || die "cannot create cache directory $cache"
exec 9>"$cache/.golden-$hash.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9 || die "cannot lock $cache/.golden-$hash.lock"
  if is_complete; then   # another caller finished it while we waited
    echo "$dir"
    exit 0
  fi
fi

need_kb=$((13 * 1024 * 1024))
avail_kb="$(df -Pk "$cache" | awk 'NR==2 {print $4}')"
if [ -n "$avail_kb" ] && [ "$avail_kb" -lt "$need_kb" ]; then
  die "need about 13 GB free in $cache for the golden set, only $((avail_kb / 1024 / 1024)) GB available (set ZOO_CACHE elsewhere)"
fi

if [ -n "${ZOO_PYTHON:-}" ]; then      # already resolved by the caller (make test)
  py="$ZOO_PYTHON"
  [ -x "$py" ] || die "ZOO_PYTHON=$py is not an executable interpreter"
else
  py="$("$root/scripts/python-env.sh" | tail -n 1)" || die "could not set up the Python environment (scripts/python-env.sh failed)"
  [ -x "$py" ] || die "scripts/python-env.sh did not print a Python interpreter (got '$py')"
fi

log "generating the golden set into $dir (takes several minutes)"
start=$(date +%s)
TF_CPP_MIN_LOG_LEVEL=3 "$py" "$gen" --out "$dir" >&2 \
  || die "generate.py failed; the partial set in $dir will be regenerated on the next run"
is_complete || die "generate.py finished but $dir/.complete does not mark a full set"
log "golden set ready in $(( $(date +%s) - start ))s"

if [ "${ZOO_KEEP_OLD_GOLDEN:-0}" != "1" ]; then
  for old in "$cache"/golden-*; do
    [ -d "$old" ] || continue
    [ "$old" = "$dir" ] && continue
    log "removing stale golden set $old"
    rm -rf "$old"
  done
fi
echo "$dir"

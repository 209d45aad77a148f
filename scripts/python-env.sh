#!/usr/bin/env bash
# Prints (last stdout line) the path of a Python interpreter inside a virtual environment that has
# exactly the pinned packages of python/requirements.txt (the Keras reference) and
# python/requirements-bench.txt (the benchmark peers), creating the environment when missing.
# With arguments, the environment of those requirement files instead, e.g.
# `scripts/python-env.sh python/requirements-kubernetes.txt` (the Kubernetes manifests' schema check).
#
#   venv dir: ${ZOO_CACHE:-$HOME/.cache/zoo}/venv-<first 12 hex of sha256(the files, concatenated)>
#
# A `.complete` marker is written only after a successful install, so an interrupted install is
# redone from scratch on the next call. Progress goes to stderr. Exits non-zero on failure.
# Environment: ZOO_CACHE (cache root), ZOO_BASE_PYTHON (interpreter the venv is made from, default
# python3). ZOO_PYTHON is deliberately not read here: callers export it as the venv's own python.
set -euo pipefail

die() { echo "python-env.sh: error: $*" >&2; exit 1; }
log() { echo "python-env.sh: $*" >&2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -gt 0 ]; then
  files=("$@")
else
  files=("$root/python/requirements.txt" "$root/python/requirements-bench.txt")
fi
for file in "${files[@]}"; do [ -f "$file" ] || die "missing $file"; done

base_python="${ZOO_BASE_PYTHON:-python3}"
command -v "$base_python" >/dev/null 2>&1 || die "'$base_python' not found; install python3 and python3-venv (apt-get install python3 python3-venv)"

if command -v sha256sum >/dev/null 2>&1; then
  hash="$(cat "${files[@]}" | sha256sum | cut -c1-12)"
else
  hash="$("$base_python" -c 'import hashlib,sys; print(hashlib.sha256(b"".join(open(p,"rb").read() for p in sys.argv[1:])).hexdigest()[:12])' "${files[@]}")"
fi

cache="${ZOO_CACHE:-$HOME/.cache/zoo}"
venv="$cache/venv-$hash"
py="$venv/bin/python"

if [ -f "$venv/.complete" ] && [ -x "$py" ]; then
  echo "$py"
  exit 0
fi

mkdir -p "$cache" || die "cannot create cache directory $cache"

# Only one installer at a time per cache (a second caller waits).
exec 9>"$cache/.venv-$hash.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9 || die "cannot lock $cache/.venv-$hash.lock"
  if [ -f "$venv/.complete" ] && [ -x "$py" ]; then
    echo "$py"
    exit 0
  fi
fi

start=$(date +%s)
if [ -e "$venv" ]; then
  log "removing incomplete environment $venv"
  rm -rf "$venv" || die "cannot remove incomplete environment $venv"
fi

log "creating virtual environment $venv (base: $("$base_python" -V 2>&1))"
"$base_python" -m venv "$venv" >&2 \
  || die "'$base_python -m venv' failed; on Debian/Ubuntu install the venv module: apt-get install python3-venv"
[ -x "$py" ] || die "venv created but $py is missing"

log "upgrading pip"
"$py" -m pip install --upgrade pip >&2 || die "pip upgrade failed (network or package index unreachable?)"

log "installing pinned packages from ${files[*]} (this takes a few minutes)"
# One resolution over the files: a peer that needs another version of a reference pin fails the install.
"$py" -m pip install "${files[@]/#/--requirement=}" >&2 || die "pip install from ${files[*]} failed; see the pip output above"

log "checking the environment"
if [ $# -gt 0 ]; then
  "$py" -m pip check >&2 || die "the packages of ${files[*]} do not fit together (pip check above)"
else
"$py" - >&2 <<'PY' || die "installed environment failed the import check"
import h5py, numpy, safetensors.numpy, onnx, onnxruntime, sklearn.metrics, importlib.metadata as md
for p in ("tensorflow", "keras", "tf_keras", "h5py", "numpy", "safetensors", "onnx", "onnxruntime", "scikit-learn"):
    print(f"  {p} {md.version(p)}")
PY
fi

date -u +"%Y-%m-%dT%H:%M:%SZ" > "$venv/.complete" || die "cannot write $venv/.complete"
log "environment ready in $(( $(date +%s) - start ))s"
echo "$py"

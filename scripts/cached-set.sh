# Sourced by golden.sh and golden-activations.sh: one generated set of reference files in the
# cache, named by a hash of what produces it, generated once under a lock and reused while complete.
#
#   cached_set_begin KIND HASH   sets $dir ($cache/KIND-HASH); prints it and exits when complete
#   resolve_python               sets $py: $ZOO_PYTHON (as make test passes it) or scripts/python-env.sh
#   require_free_gb N WHAT       fails early when the cache's disk is too full
#   cached_set_generate WHAT CMD...  runs CMD (which must write $dir/.complete last), checks it,
#                                removes older KIND-* sets unless ZOO_KEEP_OLD_GOLDEN=1, prints $dir
# The caller defines die/log, and $root (the repository).

cache="${ZOO_CACHE:-$HOME/.cache/zoo}"

is_complete() { [ -f "$dir/.complete" ] && grep -q '"mode": "full"' "$dir/.complete"; }

cached_set_begin() {
  kind="$1"
  dir="$cache/$1-$2"
  if is_complete; then echo "$dir"; exit 0; fi
  mkdir -p "$cache" || die "cannot create cache directory $cache"
  exec 9>"$cache/.$1-$2.lock"
  if command -v flock >/dev/null 2>&1; then
    flock 9 || die "cannot lock $cache/.$1-$2.lock"
    if is_complete; then echo "$dir"; exit 0; fi   # another caller finished it while we waited
  fi
}

resolve_python() {
  if [ -n "${ZOO_PYTHON:-}" ]; then
    py="$ZOO_PYTHON"
    [ -x "$py" ] || die "ZOO_PYTHON=$py is not an executable interpreter"
  else
    py="$("$root/scripts/python-env.sh" | tail -n 1)" || die "could not set up the Python environment (scripts/python-env.sh failed)"
    [ -x "$py" ] || die "scripts/python-env.sh did not print a Python interpreter (got '$py')"
  fi
}

require_free_gb() {
  local avail_kb
  avail_kb="$(df -Pk "$cache" | awk 'NR==2 {print $4}')"
  if [ -n "$avail_kb" ] && [ "$avail_kb" -lt $(($1 * 1024 * 1024)) ]; then
    die "need about $1 GB free in $cache for $2, only $((avail_kb / 1024 / 1024)) GB available (set ZOO_CACHE elsewhere)"
  fi
}

cached_set_generate() {
  local what="$1" start old
  shift
  log "generating $what into $dir (takes several minutes)"
  start=$(date +%s)
  TF_CPP_MIN_LOG_LEVEL=3 "$@" >&2 || die "generating $what failed; the partial set in $dir will be regenerated on the next run"
  is_complete || die "the generator finished but $dir/.complete does not mark a full set"
  log "$what ready in $(( $(date +%s) - start ))s"
  if [ "${ZOO_KEEP_OLD_GOLDEN:-0}" != "1" ]; then
    for old in "$cache/$kind"-*; do
      # Only this kind's sets: golden-<12 hex> must not match golden-activations-<12 hex>.
      [[ -d "$old" && "$old" != "$dir" && "${old#"$cache/$kind"-}" =~ ^[0-9a-f]{12}$ ]] || continue
      log "removing stale $what $old"
      rm -rf "$old"
    done
  fi
  echo "$dir"
}

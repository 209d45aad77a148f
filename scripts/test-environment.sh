# Sourced (not run) by scripts/sanitizer-tests.sh: exports what the tests read, set up as `make test` sets it up
# (the pinned Python environments and the Keras reference caches, each made when missing and reused after), so a
# run outside `make test` finds the same files. A variable already exported is kept, which skips its check.
# Needs `set -eo pipefail` in the caller: a script that fails stops it.
# shellcheck shell=bash

test_environment_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# export_unless_set NAME COMMAND...: NAME is the last line COMMAND prints (the path it made or found).
export_unless_set() {
    local name=$1 value
    shift
    if [ -z "${!name:-}" ]; then
        value="$("$@" | tail -n1)"
        printf -v "$name" '%s' "$value"
    fi
    export "${name?}"
}

export_unless_set ZOO_PYTHON "$test_environment_root/scripts/python-env.sh"
export_unless_set ZOO_GOLDEN "$test_environment_root/scripts/golden.sh"
export_unless_set ZOO_GOLDEN_ACTIVATIONS "$test_environment_root/scripts/golden-activations.sh"
export_unless_set ZOO_GOLDEN_GRADIENTS "$test_environment_root/scripts/golden-gradients.sh"
export_unless_set ZOO_KUBERNETES_PYTHON "$test_environment_root/scripts/python-env.sh" \
    "$test_environment_root/python/requirements-kubernetes.txt"

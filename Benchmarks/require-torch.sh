# Sourced by the benchmark scripts that time PyTorch: PyTorch joins the pinned venv on first use
# (python/requirements-torch.txt), never for `make test`. Run from the repository root, with ZOO_PYTHON set.
# require_torch NAME [HINT]: NAME prefixes the messages; HINT is added to the failure message.
require_torch() {
    "$ZOO_PYTHON" -c 'import torch' 2>/dev/null && return 0
    echo "$1: installing PyTorch (CPU) from python/requirements-torch.txt into the pinned venv" >&2
    "$ZOO_PYTHON" -m pip install -r python/requirements-torch.txt >&2 || {
        echo "$1: installing PyTorch failed; where pip cannot find torch==...+cpu, retry with PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu${2:+, $2}" >&2
        exit 1; }
}

"""The machine a benchmark ran on, as every published figure names it: the CPU model, its vector extensions
(AVX-512 or AVX2+FMA decide Zoo's kernels) and a slug for file names (results/<report>-<slug>.md), so
tables from different machine kinds sit side by side instead of overwriting each other."""
import os
import re

VECTOR_EXTENSIONS = ("avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "amx_tile", "avx2", "fma", "f16c")


def cpu():
    """The CPU's name and which of VECTOR_EXTENSIONS it has (the `grep -o -w FLAG /proc/cpuinfo` test)."""
    with open("/proc/cpuinfo") as f:
        text = f.read()
    name = re.search(r"^model name\s*:\s*(.*)$", text, re.M)
    flags = set(re.search(r"^flags\s*:\s*(.*)$", text, re.M).group(1).split())
    extensions = [e for e in VECTOR_EXTENSIONS if e in flags]
    widest = "avx512" if "avx512f" in flags else "avx2" if "avx2" in flags else "sse"
    name = name.group(1).strip() if name else "unknown CPU"
    return {"name": name, "cores": os.cpu_count(), "vector_extensions": extensions, "avx512f": "avx512f" in flags,
            "slug": re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + "-" + widest}


def cpu_line(machine):
    return (f"CPU: {machine['name']}, {machine['cores']} cores, vector extensions {' '.join(machine['vector_extensions'])} "
            f"({'with' if machine['avx512f'] else 'no'} AVX-512)")

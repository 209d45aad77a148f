"""The training-step benchmark's report (Benchmarks/training.sh): a Markdown table (printed and written),
CSV and JSON in Benchmarks/results/training-<cpu>.{md,csv,json}, with the CPU and its vector extensions on
every figure.

    python train_report.py --out DIR RECORD.json...

Record schema (one JSON object per file, one file per framework x model x mode, each measured in a process
of its own). train_step.py writes it for Keras and PyTorch; Zoo's runner (TrainBench) writes the same:
    schema                   1
    framework                "zoo" | "keras" | "torch"
    model                    "vgg16" | "vgg19" | "resnet50" (the notebooks' head on it: train_step.py)
    mode                     "frozen" (head trained) | "last-block" (also VGG block5 / ResNet50 conv5_block3)
    batch, size              images per step, image side (the batch is NHWC float32 `size` x `size` x 3)
    steps, warmup            timed steps, untimed steps before them
    threads                  compute threads; `threading` (string) says how they were set
    data, data_sha256        the .npy batch and the first 16 hex of sha256 of the first `batch` images'
                             float32 bytes (C order): equal across records = same data. Labels are not in the
                             file: image i is of class i % 2, one-hot over 2 classes
    times_ms                 wall-clock milliseconds of each timed step (forward, loss, backward, Adam update)
    median_ms, p90_ms        numpy median and percentile 90 (linear interpolation) of times_ms
    peak_rss_bytes           the process's maximum resident set (getrusage ru_maxrss)
    rss_before_model_bytes   resident set with the framework loaded, before the model is built
    parameters, trainable_parameters   weight counts as Keras counts them (BatchNormalization statistics included)
    losses                   every step's loss, warm-up first (all finite)
    framework_version        free text, e.g. "torch 2.13.0+cpu (AVX2 kernels)"
    started_utc, load_average_1min_before, load_average_1min_after
Extra keys are kept in the JSON output and ignored otherwise.
"""
import argparse
import csv
import io
import json
import os
import sys
import time

from latency import load_average, source_revision
from machine import cpu, cpu_line
from report import write_atomically

FRAMEWORKS = ("zoo", "keras", "torch")
PEERS = ("keras", "torch")
LABELS = {"zoo": "Zoo", "keras": "Keras/TF", "torch": "PyTorch"}
MODELS = ("vgg16", "vgg19", "resnet50")
MODES = ("frozen", "last-block")
SHARED = ("batch", "size", "steps", "warmup", "threads", "data_sha256")


def rows(records, machine):
    """One row per record, ordered by model, mode and framework, with the ratio to the fastest peer's median."""
    table = []
    for model in MODELS:
        for mode in MODES:
            group = {r["framework"]: r for r in records if r["model"] == model and r["mode"] == mode}
            peers = {f: group[f]["median_ms"] for f in PEERS if f in group}
            fastest = min(peers, key=peers.get) if peers else None
            for framework in (f for f in FRAMEWORKS if f in group):
                record = group[framework]
                table.append({"model": model, "mode": mode, "framework": framework,
                              "median_ms": round(record["median_ms"], 1), "p90_ms": round(record["p90_ms"], 1),
                              "peak_rss_mb": round(record["peak_rss_bytes"] / 1e6),
                              "ratio_to_fastest_peer": round(record["median_ms"] / peers[fastest], 2) if fastest else None,
                              "fastest_peer": fastest, "steps": record["steps"],
                              "trainable_parameters": record["trainable_parameters"],
                              "framework_version": record.get("framework_version", ""), "cpu": machine["name"],
                              "vector_extensions": " ".join(machine["vector_extensions"])})
    return table


def markdown(run, machine, table):
    settings = run["settings"]
    lines = [cpu_line(machine) + ".",
             f"Run {run['started_utc']} of commit {run['source_revision']}: one training step (forward, loss, backward, "
             f"Adam update) at batch {settings['batch']}, {settings['size']}x{settings['size']}x3 float32, the same "
             f"fixed batch for every framework (sha256 {settings['data_sha256']}); {settings['warmup']} warm-up then "
             f"{settings['steps']} timed steps, {settings['threads']} threads, each framework x model x mode in a process "
             f"of its own; load average (1 min) {run['load_average_range'][0]:.2f} to {run['load_average_range'][1]:.2f}.",
             "", "| model | mode | framework | median (ms) | p90 (ms) | peak (MB) | ratio to fastest peer |", "|---|---|---|---|---|---|---|"]
    for row in table:
        ratio = "" if row["ratio_to_fastest_peer"] is None else f"{row['ratio_to_fastest_peer']:.2f}x ({LABELS[row['fastest_peer']]})"
        lines.append(f"| {row['model']} | {row['mode']} | {LABELS[row['framework']]} | {row['median_ms']:.1f} | "
                     f"{row['p90_ms']:.1f} | {row['peak_rss_mb']} | {ratio} |")
    lines += ["", "Peers are Keras/TF and PyTorch; a ratio is a median step time over the fastest peer's (below 1: faster). "
              "Peak is the process's maximum resident set, the framework's runtime included. "
              "Versions: " + "; ".join(sorted({f"{LABELS[r['framework']]} {r['framework_version']}" for r in table})) + ". "
              "Models, heads, freezing and threads: Benchmarks/peers/train_step.py. Every framework runs with its defaults: "
              "PyTorch's OpenMP workers spin, then sleep, at the end of every parallel region, which costs it most when "
              "other processes share the cores (on a 2-core machine at load 6, ResNet50 steps took 50 times longer at 2 "
              "threads than at 1, and OMP_WAIT_POLICY=PASSIVE undid it), so compare runs by their load average."]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="where training-<cpu>.{md,csv,json} go")
    parser.add_argument("records", nargs="+", help="record files (the schema above)")
    options = parser.parse_args()
    records = []
    for path in options.records:
        with open(path) as f:
            records.append(json.load(f))
    for key in SHARED:
        values = {r[key] for r in records}
        if len(values) != 1:
            sys.exit(f"train_report: the records differ in {key} ({sorted(map(str, values))}): not one comparable run")
    machine = cpu()
    loads = [r[k] for r in records for k in ("load_average_1min_before", "load_average_1min_after")] + [load_average()[0]]
    run = {"started_utc": min(r["started_utc"] for r in records), "reported_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "source_revision": source_revision(), "cpu": machine, "load_average_range": [min(loads), max(loads)],
           "settings": {key: records[0][key] for key in SHARED}}
    table = rows(records, machine)
    text = markdown(run, machine, table)
    print(text, end="")
    os.makedirs(options.out, exist_ok=True)
    stem = os.path.join(options.out, f"training-{machine['slug']}")
    write_atomically(stem + ".md", "# One training step: Zoo vs Keras/TensorFlow and PyTorch\n\n" + text)
    csv_text = io.StringIO()
    writer = csv.DictWriter(csv_text, fieldnames=list(dict.fromkeys(key for row in table for key in row)), lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    write_atomically(stem + ".csv", csv_text.getvalue())
    write_atomically(stem + ".json", json.dumps({"run": run, "rows": table, "records": records}, indent=1) + "\n")
    print(f"results: {', '.join(stem + e for e in ('.md', '.csv', '.json'))}")


if __name__ == "__main__":
    main()

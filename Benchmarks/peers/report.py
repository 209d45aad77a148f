"""The latency benchmark's report: a Markdown table (printed and written), CSV, JSON and an SVG bar chart in
Benchmarks/results/latency-<cpu>.{md,csv,json,svg} (one set per machine kind, machine.py's slug), each written
through a temporary name and a rename. Every GFLOP/s figure is also given as a share of the FMA peak measured on
the machine in the same run (`zoo ceilings`), and the tables name the CPU, its vector extensions, the load
average and the date."""
import json
import os

from machine import cpu_line

FRAMEWORKS = ("zoo", "keras", "onnxruntime", "torch")
PEERS = tuple(f for f in FRAMEWORKS if f != "zoo")
LABELS = {"zoo": "Zoo", "keras": "Keras/TF", "onnxruntime": "ONNX Runtime", "torch": "PyTorch"}
COLOURS = {"zoo": "#d95f02", "keras": "#7570b3", "onnxruntime": "#1b9e77", "torch": "#e7298a"}
# Issue 11's goals: Zoo's time over the fastest peer's.
LATENCY_GOAL = 0.9
THROUGHPUT_GOAL = 0.85
MEMORY_GOAL = 1.3
# Issue 14's, for the wider models (`--models wider`): batch 1 at most level with the fastest peer, none at batch 16.
WIDER_MODELS = {"densenet121", "mobilenetv2", "efficientnetb0"}
WIDER_LATENCY_GOAL = 1.0


def write_atomically(path, text):
    temporary = f"{path}.{os.getpid()}.tmp"  # matches .gitignore's Benchmarks/results/*.tmp
    with open(temporary, "w") as f:
        f.write(text)
    os.replace(temporary, path)


def input_text(result):
    return "x".join(map(str, result["image"][:2]))


def rows(results, ceilings):
    """One row per (model, framework): times, GFLOP/s as a share of the measured FMA peak, each framework's batch-1
    time over the fastest framework's, and on Zoo's row its ratios to the fastest peer. Batch-16 fields are None for
    models timed at batch 1 only."""
    peak, bandwidth = ceilings["fma_peak_gflops"], ceilings["memory_bandwidth_gbps"]
    table = []
    for result in results:
        stats, flops = result["stats"], result["details"]["keras"]["flops_per_image"]
        # Bytes a batch-1 pass moves (keras_bench.py's traffic_per_image; absent from runs made before it).
        activations = result["details"]["keras"].get("activation_bytes_per_image")
        traffic_b1 = activations + result["details"]["keras"]["parameter_bytes"] if activations is not None else None
        weights = result["details"]["zoo"]["weight_bytes"]
        batches = [f"b{b}" for b in result["batches"]]
        fastest = {batch: min(PEERS, key=lambda f: stats[f"{f}_{batch}"]["median_ms"]) for batch in batches}
        quickest_b1 = min(stats[f"{f}_b1"]["median_ms"] for f in FRAMEWORKS)
        for framework in FRAMEWORKS:
            b1 = stats[f"{framework}_b1"]
            b16 = stats.get(f"{framework}_b16")
            row = {"model": result["model"], "input": input_text(result), "framework": framework,
                   "b1_median_ms": round(b1["median_ms"], 2), "b1_p90_ms": round(b1["p90_ms"], 2), "b1_p99_ms": round(b1["p99_ms"], 2),
                   "b1_runs": b1["runs"], "b1_vs_fastest": round(b1["median_ms"] / quickest_b1, 2),
                   "b16_images_per_second": round(b16["images_per_second"], 2) if b16 else None,
                   "b16_median_ms": round(b16["median_ms"], 1) if b16 else None, "b16_runs": b16["runs"] if b16 else None,
                   "gflops_b1": round(flops / b1["median_ms"] / 1e6, 1),
                   "gflops_b16": round(16 * flops / b16["median_ms"] / 1e6, 1) if b16 else None,
                   "gflop_per_image": round(flops / 1e9, 2),
                   "max_difference_vs_keras_outputs": result["differences_vs_keras"].get(f"{framework}_{batches[-1]}", 0.0),
                   "max_difference_vs_keras_logits": result["differences_vs_keras"].get(f"{framework}_logits", 0.0),
                   "framework_version": result["details"][framework].get("framework_version", "")}
            row["fma_peak_share_b1"] = round(row["gflops_b1"] / peak, 3)
            row["fma_peak_share_b16"] = round(row["gflops_b16"] / peak, 3) if b16 else None
            if traffic_b1 is not None:
                row["gbps_b1"] = round(traffic_b1 / b1["median_ms"] / 1e6, 1)
                row["bandwidth_share_b1"] = round(row["gbps_b1"] / bandwidth, 3)
            for batch in batches:
                memory = result["memory"][f"{framework}_{batch}"]
                row[f"peak_rss_{batch}_bytes"] = memory["peak_rss_bytes"]
                row[f"rss_before_load_{batch}_bytes"] = memory["rss_before_load_bytes"]
                row[f"inference_memory_{batch}_bytes"] = memory["peak_rss_bytes"] - memory["rss_before_load_bytes"]
                row[f"inference_memory_{batch}_vs_weights"] = round(row[f"inference_memory_{batch}_bytes"] / weights, 2)
                row[f"peak_rss_{batch}_vs_weights"] = round(memory["peak_rss_bytes"] / weights, 2)
            if framework == "zoo":
                row.update({"b1_vs_fastest_peer": round(b1["median_ms"] / stats[f"{fastest['b1']}_b1"]["median_ms"], 2),
                            "fastest_peer_b1": fastest["b1"], "weight_bytes": weights})
                if b16:
                    row.update({"b16_time_vs_fastest_peer": round(b16["median_ms"] / stats[f"{fastest['b16']}_b16"]["median_ms"], 2),
                                "fastest_peer_b16": fastest["b16"]})
            table.append(row)
    return table


def machine_lines(run):
    ceilings = run["ceilings"]
    load = lambda values: " / ".join(f"{v:.2f}" for v in values)
    return [f"{cpu_line(run['cpu'])}.",
            f"Ceilings measured on this machine at the start of the run (`zoo ceilings`, {ceilings['threads']} threads): FMA peak "
            f"{ceilings['fma_peak_gflops']:.0f} GFLOP/s ({ceilings['fma_unit']}, twelve independent FMA chains per thread), "
            f"memory copy {ceilings['memory_bandwidth_gbps']:.1f} GB/s.",
            f"Run {run['started_utc']} of commit {run['source_revision']}, {run['cores']} cores shared with other processes, "
            f"{run['threads']} threads per framework; load average (1 / 5 / 15 min) {load(run['load_average_before'])} before, "
            f"{load(run['load_average_after'])} after."]


def markdown(run, results, table):
    percent = lambda share: f"{100 * share:.0f}%"
    traffic_cell = lambda row: f"{row['gbps_b1']:.1f} ({percent(row['bandwidth_share_b1'])})" if "gbps_b1" in row else "-"
    lines = machine_lines(run) + [
        "1-min load average, mean per model: " + ", ".join(f"{r['model']} {r['load_average_1min_mean']:.2f}" for r in results) + ".",
        f"{run['rounds']} round(s), frameworks one at a time in rotating order; per round {run['warmup']} warm-up runs, then "
        f"{run['runs_b1_per_round']} timed batch-1 and {run['runs_b16_per_round']} timed batch-16 runs; statistics over all rounds' runs.",
        "", "| model | input | framework | b1 median (ms) | b1 / fastest | b1 p90 (ms) | b16 (images/s) | GFLOP/s b1 (% of FMA peak) "
            "| GFLOP/s b16 (% of FMA peak) | GB/s b1 (% of memory copy) | logits vs Keras |",
        "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in table:
        difference = "reference" if row["framework"] == "keras" else f"{row['max_difference_vs_keras_logits']:.1e}"
        b16 = (f"{row['b16_images_per_second']:.1f}", f"{row['gflops_b16']:.0f} ({percent(row['fma_peak_share_b16'])})") \
            if row["b16_median_ms"] is not None else ("-", "-")
        lines.append(f"| {row['model']} | {row['input']} | {LABELS[row['framework']]} | {row['b1_median_ms']:.1f} | {row['b1_vs_fastest']:.2f}x "
                     f"| {row['b1_p90_ms']:.1f} | {b16[0]} | {row['gflops_b1']:.0f} ({percent(row['fma_peak_share_b1'])}) | {b16[1]} "
                     f"| {traffic_cell(row)} | {difference} |")
    memory = {(r["model"], r["framework"]): r for r in table}
    ratio = lambda row, batch: f"{row[f'inference_memory_{batch}_vs_weights']:.2f}x" if f"inference_memory_{batch}_vs_weights" in row else "-"
    wider = all(result["model"] in WIDER_MODELS for result in results)
    goals = (f"goal <= {WIDER_LATENCY_GOAL}", "") if wider else (f"goal <= {LATENCY_GOAL}", f" (goal <= {THROUGHPUT_GOAL})")
    lines += ["", f"| model | input | Zoo b1 / fastest peer ({goals[0]}) | Zoo b16 time / fastest peer{goals[1]} "
              f"| Zoo GFLOP/s b1, b16 (% of FMA peak) | inference memory b1 / weights: Zoo (goal <= {MEMORY_GOAL}), "
              + ", ".join(LABELS[f] for f in PEERS) + " | Zoo whole process b1 / weights |",
              "|---|---|---|---|---|---|---|"]
    for row in (r for r in table if r["framework"] == "zoo"):
        peers = [memory[(row["model"], f)] for f in PEERS]
        b16 = (f"{row['b16_time_vs_fastest_peer']:.2f}x ({LABELS[row['fastest_peer_b16']]})", f"{row['gflops_b16']:.0f}",
               f", {percent(row['fma_peak_share_b16'])}") if "fastest_peer_b16" in row else ("-", "-", "")
        lines.append(f"| {row['model']} | {row['input']} | {row['b1_vs_fastest_peer']:.2f}x ({LABELS[row['fastest_peer_b1']]}) | {b16[0]} "
                     f"| {row['gflops_b1']:.0f}, {b16[1]} ({percent(row['fma_peak_share_b1'])}{b16[2]}) "
                     f"| **{ratio(row, 'b1')}** ({row['inference_memory_b1_bytes'] / 1e6:.0f} MB / {row['weight_bytes'] / 1e6:.0f} MB), "
                     + ", ".join(ratio(peer, "b1") for peer in peers)
                     + f" | {row['peak_rss_b1_vs_weights']:.2f}x ({row['peak_rss_b1_bytes'] / 1e6:.0f} MB) |")
    versions = {row["framework"]: row["framework_version"] for row in table if row["framework_version"]}
    lines += ["", "b1 / fastest is a framework's batch-1 median over the fastest framework's (1.00x: the fastest); Zoo's ratios are "
              "to the fastest peer (below 1: Zoo is faster). GFLOP/s counts 2 FLOPs per multiply-add of the convolutions and dense "
              "layers (from the Keras model); the share is of the FMA peak above, measured in the same run on the same machine. "
              "GB/s counts the bytes the model's layers read and write when none is fused with the next (each layer's float32 "
              "inputs and output, and the parameters once per pass; from the Keras model, the same for every framework), "
              "over the batch-1 median; the share is of the memory copy above. A framework that fuses layers moves fewer "
              "bytes than that, and much of them stays in cache, so the share says how hard a time presses on memory, not "
              "what left the chip. "
              "The 512x512 rows are the tuberculosis notebooks' models (VGG base nested, batch-normalised global-average head), "
              "batch 1 only. Inference memory is a process's peak resident set (loading and running at that batch size) minus its "
              "resident set just before it loads the model, when the language runtime and the framework's libraries are in; the "
              "whole-process column keeps Zoo's runtime in. Weights are the model's float32 parameter bytes; the peers run batch 1 "
              "and then batch 16 in one process, so their batch-16 peak is that of both. Logits vs Keras is max |d| / max |Keras| "
              "over the values before the final softmax (random weights saturate the softmax to one-hot vectors); the run fails "
              "above 1e-4 there or on the outputs themselves. PyTorch runs the ONNX export's graph (the same weights) traced, "
              "frozen (BatchNormalization folded) and optimised for inference under torch.inference_mode(). Every framework runs "
              "with its defaults otherwise: ONNX Runtime's workers spin while they wait, which costs it most when other "
              "processes share the cores, so compare runs by their load average."]
    if versions:
        lines += ["", "Versions: " + "; ".join(f"{LABELS[f]}: {v}" for f, v in versions.items()) + "."]
    return "\n".join(lines) + "\n"


def svg(run, table):
    """Two grouped bar panels: batch-1 median latency (lower is better), batch-16 throughput (higher is better,
    models timed at batch 16 only), and a caption with the machine and the conditions."""
    value = {(r["model"], r["framework"]): r for r in table}
    panel_width, height, top, bottom, left = 520, 300, 50, 40, 55
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * panel_width + 20}" height="{height + 75}" '
             f'font-family="sans-serif" font-size="11">', '<rect width="100%" height="100%" fill="white"/>']
    panels = (("Batch 1 median latency (ms), lower is better", "b1_median_ms", "{:.0f}"),
              ("Batch 16 throughput (images/s), higher is better", "b16_images_per_second", "{:.1f}"))
    for index, (title, key, fmt) in enumerate(panels):
        shown = [r for r in table if r[key] is not None]
        models = list(dict.fromkeys((r["model"], r["input"]) for r in shown))
        x0 = index * (panel_width + 20)
        largest = max(r[key] for r in shown) * 1.15
        plot_height = height - top - bottom
        parts.append(f'<text x="{x0 + panel_width / 2}" y="20" text-anchor="middle" font-size="13">{title}</text>')
        parts.append(f'<line x1="{x0 + left}" y1="{top}" x2="{x0 + left}" y2="{height - bottom}" stroke="#333"/>')
        parts.append(f'<line x1="{x0 + left}" y1="{height - bottom}" x2="{x0 + panel_width - 10}" y2="{height - bottom}" stroke="#333"/>')
        for tick in range(5):
            y = height - bottom - plot_height * tick / 4
            parts.append(f'<text x="{x0 + left - 5}" y="{y + 4:.1f}" text-anchor="end">{largest * tick / 4:.0f}</text>')
            parts.append(f'<line x1="{x0 + left}" y1="{y:.1f}" x2="{x0 + panel_width - 10}" y2="{y:.1f}" stroke="#eee"/>')
        group = (panel_width - left - 20) / max(len(models), 1)
        bar = group / (len(FRAMEWORKS) + 1)
        for m, (model, size) in enumerate(models):
            gx = x0 + left + 10 + m * group
            parts.append(f'<text x="{gx + bar * len(FRAMEWORKS) / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle">{model}</text>')
            parts.append(f'<text x="{gx + bar * len(FRAMEWORKS) / 2:.1f}" y="{height - bottom + 28}" text-anchor="middle" fill="#555">{size}</text>')
            for f, framework in enumerate(FRAMEWORKS):
                v = value[(model, framework)][key]
                h = plot_height * v / largest
                x, y = gx + f * bar, height - bottom - h
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" fill="{COLOURS[framework]}"/>')
                parts.append(f'<text x="{x + (bar - 2) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="8">{fmt.format(v)}</text>')
    for f, framework in enumerate(FRAMEWORKS):
        x = 60 + f * 140
        parts.append(f'<rect x="{x}" y="{height + 10}" width="12" height="12" fill="{COLOURS[framework]}"/>')
        parts.append(f'<text x="{x + 17}" y="{height + 20}">{LABELS[framework]}</text>')
    ceilings = run["ceilings"]
    parts.append(f'<text x="10" y="{height + 45}" fill="#555">{run["cpu"]["name"]} ({" ".join(run["cpu"]["vector_extensions"])}), '
                 f'FMA peak {ceilings["fma_peak_gflops"]:.0f} GFLOP/s, memory {ceilings["memory_bandwidth_gbps"]:.1f} GB/s (measured)</text>')
    parts.append(f'<text x="10" y="{height + 62}" fill="#555">{run["started_utc"]}: {run["threads"]} threads per framework on '
                 f'{run["cores"]} shared cores, 1-min load average {run["load_average_before"][0]:.2f} before, '
                 f'{run["load_average_after"][0]:.2f} after; medians over {run["rounds"]} round(s)</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write(out_dir, run, results, name="latency"):
    """`name`-<cpu>.{md,csv,json,svg}: `latency` for the main models, another name for another set of them."""
    table = rows(results, run["ceilings"])
    text = markdown(run, results, table)
    print(text, end="")
    os.makedirs(out_dir, exist_ok=True)
    stem = os.path.join(out_dir, f"{name}-{run['cpu']['slug']}")
    write_atomically(f"{stem}.md", f"# Inference speed on {run['cpu']['name']}: Zoo vs Keras/TensorFlow, ONNX Runtime and PyTorch\n\n" + text)
    columns = list(dict.fromkeys(key for row in table for key in row))
    cell = lambda value: "" if value is None else str(value)
    write_atomically(f"{stem}.csv", ",".join(columns) + "\n" + "".join(",".join(cell(row.get(c)) for c in columns) + "\n" for row in table))
    write_atomically(f"{stem}.json", json.dumps({"run": run, "rows": table, "models": results}, indent=1) + "\n")
    write_atomically(f"{stem}.svg", svg(run, table))
    print(f"results: {', '.join(f'{stem}.{e}' for e in ('md', 'csv', 'json', 'svg'))}")

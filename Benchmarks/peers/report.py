"""The latency benchmark's report: a Markdown table (printed and written), CSV, JSON and an SVG bar chart,
each written through a temporary name and a rename."""
import json
import os

FRAMEWORKS = ("zoo", "keras", "onnxruntime")
LABELS = {"zoo": "Zoo", "keras": "Keras/TF", "onnxruntime": "ONNX Runtime"}
COLOURS = {"zoo": "#d95f02", "keras": "#7570b3", "onnxruntime": "#1b9e77"}
# Measured on these 2-core AVX-512 machines: the FMA peak, and what a blocked SIMD16 GEMM kernel reaches.
FMA_PEAK_GFLOPS = 543
GEMM_CEILING_GFLOPS = 400
LATENCY_GOAL = 1.5
MEMORY_GOAL = 1.3


def write_atomically(path, text):
    temporary = f"{path}.{os.getpid()}.tmp"  # matches .gitignore's Benchmarks/results/*.tmp
    with open(temporary, "w") as f:
        f.write(text)
    os.replace(temporary, path)


def rows(results):
    """One row per (model, framework), with Zoo's ratios to the fastest peer on Zoo's row."""
    table = []
    for result in results:
        stats, flops = result["stats"], result["details"]["keras"]["flops_per_image"]
        weights = result["details"]["zoo"]["weight_bytes"]
        peers_b1 = {f: stats[f"{f}_b1"]["median_ms"] for f in FRAMEWORKS if f != "zoo"}
        peers_b16 = {f: stats[f"{f}_b16"]["median_ms"] for f in FRAMEWORKS if f != "zoo"}
        fastest_b1, fastest_b16 = min(peers_b1, key=peers_b1.get), min(peers_b16, key=peers_b16.get)
        for framework in FRAMEWORKS:
            b1, b16 = stats[f"{framework}_b1"], stats[f"{framework}_b16"]
            row = {"model": result["model"], "framework": framework, "b1_median_ms": round(b1["median_ms"], 2),
                   "b1_p90_ms": round(b1["p90_ms"], 2), "b1_p99_ms": round(b1["p99_ms"], 2),
                   "b1_runs": b1["runs"], "b16_images_per_second": round(b16["images_per_second"], 2),
                   "b16_median_ms": round(b16["median_ms"], 1), "b16_runs": b16["runs"],
                   "gflops_b1": round(flops / b1["median_ms"] / 1e6, 1),
                   "gflops_b16": round(16 * flops / b16["median_ms"] / 1e6, 1),
                   "gflop_per_image": round(flops / 1e9, 2),
                   "max_difference_vs_keras_outputs": result["differences_vs_keras"].get(f"{framework}_b16", 0.0),
                   "max_difference_vs_keras_logits": result["differences_vs_keras"].get(f"{framework}_logits", 0.0)}
            for batch in ("b1", "b16"):
                memory = result["memory"][f"{framework}_{batch}"]
                row[f"peak_rss_{batch}_bytes"] = memory["peak_rss_bytes"]
                row[f"rss_before_load_{batch}_bytes"] = memory["rss_before_load_bytes"]
                row[f"inference_memory_{batch}_bytes"] = memory["peak_rss_bytes"] - memory["rss_before_load_bytes"]
                row[f"inference_memory_{batch}_vs_weights"] = round(row[f"inference_memory_{batch}_bytes"] / weights, 2)
                row[f"peak_rss_{batch}_vs_weights"] = round(memory["peak_rss_bytes"] / weights, 2)
            if framework == "zoo":
                row.update({"b1_vs_fastest_peer": round(b1["median_ms"] / peers_b1[fastest_b1], 2), "fastest_peer_b1": fastest_b1,
                            "b16_time_vs_fastest_peer": round(b16["median_ms"] / peers_b16[fastest_b16], 2),
                            "fastest_peer_b16": fastest_b16, "weight_bytes": weights})
            table.append(row)
    return table


def markdown(run, results, table):
    load = lambda values: " / ".join(f"{v:.2f}" for v in values)
    lines = [f"Run {run['started_utc']} of commit {run['source_revision']}, {run['cores']} cores shared with other processes, {run['threads']} threads per framework; "
             f"load average (1 / 5 / 15 min) {load(run['load_average_before'])} before, {load(run['load_average_after'])} after "
             f"(1-min mean per model: " + ", ".join(f"{r['model']} {r['load_average_1min_mean']:.2f}" for r in results) + ").",
             f"{run['rounds']} rounds, frameworks one at a time in rotating order; per round {run['warmup']} warm-up runs, then "
             f"{run['runs_b1_per_round']} timed batch-1 and {run['runs_b16_per_round']} timed batch-16 runs; statistics over all rounds' runs.",
             "", "| model | framework | b1 median (ms) | b1 p90 (ms) | b1 p99 (ms) | b16 (images/s) | GFLOP/s b1 | GFLOP/s b16 | logits vs Keras |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in table:
        difference = "reference" if row["framework"] == "keras" else f"{row['max_difference_vs_keras_logits']:.1e}"
        lines.append(f"| {row['model']} | {LABELS[row['framework']]} | {row['b1_median_ms']:.1f} | {row['b1_p90_ms']:.1f} | {row['b1_p99_ms']:.1f} "
                     f"| {row['b16_images_per_second']:.1f} | {row['gflops_b1']:.0f} | {row['gflops_b16']:.0f} | {difference} |")
    memory = {(r["model"], r["framework"]): r for r in table}
    ratio = lambda row, batch: f"{row[f'inference_memory_{batch}_vs_weights']:.2f}x"
    lines += ["", f"| model | Zoo b1 / fastest peer (goal <= {LATENCY_GOAL}) | Zoo b16 time / fastest peer | Zoo GFLOP/s b1, b16 "
              f"(% of {FMA_PEAK_GFLOPS} FMA peak) | inference memory b1 / weights: Zoo (goal <= {MEMORY_GOAL}), ONNX Runtime, Keras/TF "
              "| Zoo whole process b1 / weights | inference memory b16 / weights: Zoo, ONNX Runtime, Keras/TF |",
              "|---|---|---|---|---|---|---|"]
    for row in (r for r in table if r["framework"] == "zoo"):
        peers = [memory[(row["model"], f)] for f in ("onnxruntime", "keras")]
        lines.append(f"| {row['model']} | {row['b1_vs_fastest_peer']:.2f}x ({LABELS[row['fastest_peer_b1']]}) "
                     f"| {row['b16_time_vs_fastest_peer']:.2f}x ({LABELS[row['fastest_peer_b16']]}) "
                     f"| {row['gflops_b1']:.0f}, {row['gflops_b16']:.0f} ({100 * row['gflops_b1'] / FMA_PEAK_GFLOPS:.0f}%, "
                     f"{100 * row['gflops_b16'] / FMA_PEAK_GFLOPS:.0f}%) "
                     f"| **{ratio(row, 'b1')}** ({row['inference_memory_b1_bytes'] / 1e6:.0f} MB / {row['weight_bytes'] / 1e6:.0f} MB), "
                     + ", ".join(ratio(peer, "b1") for peer in peers)
                     + f" | {row['peak_rss_b1_vs_weights']:.2f}x ({row['peak_rss_b1_bytes'] / 1e6:.0f} MB) "
                     f"| {ratio(row, 'b16')}, " + ", ".join(ratio(peer, "b16") for peer in peers) + " |")
    lines += ["", "Ratios are Zoo's time over the fastest peer's (below 1: Zoo is faster). GFLOP/s counts 2 FLOPs per "
              "multiply-add of the convolutions and dense layers (from the Keras model); the machine's AVX-512 FMA peak on 2 cores is "
              f"{FMA_PEAK_GFLOPS} GFLOP/s and its blocked-GEMM ceiling about {GEMM_CEILING_GFLOPS} (both measured on these machines). Inference "
              "memory is a process's peak resident set (loading and running at that batch size) minus its resident set just before "
              "it loads the model, when the language runtime and the framework's libraries are in (then: "
              + ", ".join(f"{LABELS[f]} {max(r['rss_before_load_b1_bytes'] for r in table if r['framework'] == f) / 1e6:.0f} MB"
                          for f in FRAMEWORKS)
              + "); the whole-process column keeps Zoo's runtime in. "
              "Weights are the model's float32 parameter bytes; the peers run batch 1 and then batch 16 in one process, so their "
              "batch-16 peak is that of both. Logits vs Keras is max |d| / max |Keras| over the values before the final "
              "softmax on the same 16 images (random weights saturate the softmax to one-hot vectors, which match whatever came "
              "before); the run fails above 1e-4 there or on the outputs themselves. Every framework runs with its defaults otherwise: "
              "ONNX Runtime's workers spin while they wait, which costs it most when other processes share the cores, so "
              "compare runs by their load average."]
    return "\n".join(lines) + "\n"


def svg(run, table):
    """Two grouped bar panels: batch-1 median latency (lower is better), batch-16 throughput (higher is better),
    and a caption with the conditions (the machine is shared: the load average belongs with the numbers)."""
    models = list(dict.fromkeys(row["model"] for row in table))
    value = {(r["model"], r["framework"]): r for r in table}
    panel_width, height, top, bottom, left = 420, 300, 50, 40, 55
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * panel_width + 20}" height="{height + 60}" '
             f'font-family="sans-serif" font-size="11">', '<rect width="100%" height="100%" fill="white"/>']
    panels = (("Batch 1 median latency (ms), lower is better", "b1_median_ms", "{:.0f}"),
              ("Batch 16 throughput (images/s), higher is better", "b16_images_per_second", "{:.1f}"))
    for index, (title, key, fmt) in enumerate(panels):
        x0 = index * (panel_width + 20)
        largest = max(r[key] for r in table) * 1.15
        plot_height = height - top - bottom
        parts.append(f'<text x="{x0 + panel_width / 2}" y="20" text-anchor="middle" font-size="13">{title}</text>')
        parts.append(f'<line x1="{x0 + left}" y1="{top}" x2="{x0 + left}" y2="{height - bottom}" stroke="#333"/>')
        parts.append(f'<line x1="{x0 + left}" y1="{height - bottom}" x2="{x0 + panel_width - 10}" y2="{height - bottom}" stroke="#333"/>')
        for tick in range(5):
            tick_value = largest * tick / 4
            y = height - bottom - plot_height * tick / 4
            parts.append(f'<text x="{x0 + left - 5}" y="{y + 4:.1f}" text-anchor="end">{tick_value:.0f}</text>')
            parts.append(f'<line x1="{x0 + left}" y1="{y:.1f}" x2="{x0 + panel_width - 10}" y2="{y:.1f}" stroke="#eee"/>')
        group = (panel_width - left - 20) / len(models)
        bar = group / (len(FRAMEWORKS) + 1)
        for m, model in enumerate(models):
            gx = x0 + left + 10 + m * group
            parts.append(f'<text x="{gx + bar * len(FRAMEWORKS) / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle">{model}</text>')
            for f, framework in enumerate(FRAMEWORKS):
                v = value[(model, framework)][key]
                h = plot_height * v / largest
                x, y = gx + f * bar, height - bottom - h
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" fill="{COLOURS[framework]}"/>')
                parts.append(f'<text x="{x + (bar - 2) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="9">{fmt.format(v)}</text>')
    for f, framework in enumerate(FRAMEWORKS):
        x = 60 + f * 140
        parts.append(f'<rect x="{x}" y="{height + 15}" width="12" height="12" fill="{COLOURS[framework]}"/>')
        parts.append(f'<text x="{x + 17}" y="{height + 25}">{LABELS[framework]}</text>')
    before, after = run["load_average_before"][0], run["load_average_after"][0]
    parts.append(f'<text x="10" y="{height + 50}" fill="#555">{run["started_utc"]}: {run["threads"]} threads per framework on '
                 f'{run["cores"]} shared cores, 1-min load average {before:.2f} before, {after:.2f} after; '
                 f'medians over {run["rounds"]} rounds (latency.md)</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write(out_dir, run, results):
    table = rows(results)
    text = markdown(run, results, table)
    print(text, end="")
    os.makedirs(out_dir, exist_ok=True)
    write_atomically(os.path.join(out_dir, "latency.md"), "# Inference speed: Zoo vs Keras/TensorFlow and ONNX Runtime\n\n" + text)
    columns = list(dict.fromkeys(key for row in table for key in row))
    write_atomically(os.path.join(out_dir, "latency.csv"),
                     ",".join(columns) + "\n" + "".join(",".join(str(row.get(c, "")) for c in columns) + "\n" for row in table))
    write_atomically(os.path.join(out_dir, "latency.json"), json.dumps({"run": run, "rows": table, "models": results}, indent=1) + "\n")
    write_atomically(os.path.join(out_dir, "latency.svg"), svg(run, table))
    print(f"results: {', '.join(os.path.join(out_dir, 'latency.' + e) for e in ('md', 'csv', 'json', 'svg'))}")

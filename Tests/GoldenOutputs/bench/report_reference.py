"""Reference values for the numbers Zoo's report writer computes itself (Sources/Bench/Report), from
scikit-learn, scipy and numpy, for the runs the Swift test writes.

Reads IN_DIR/report_cases.json (written by Tests/BenchTests/Report/ReportReference.swift):
  runs: [{scores, labels, threshold}], one group of runs (seeds) of one configuration;
  pair: {first: {scores, labels, threshold}, second: {...}}, two engines on the same images;
  bootstrap_indices: [replicate][run] -> image indices drawn by Zoo's generator; level; grid.
Writes IN_DIR/reference.json:
  per run: accuracy (accuracy_score at score >= threshold) and roc_auc (roc_auc_score);
  across runs: mean, sample SD and the Student t interval of the mean (scipy.stats.t) of accuracy and AUC;
  curves: each run's ROC read at the grid of false positive rates from roc_curve(drop_intermediate=False)
    (linear between points, the highest TPR where the curve is vertical) and its precision at the grid of
    recalls from precision_recall_curve (the precision of the highest threshold reaching the recall), the mean
    over runs, and the pointwise percentile band over the replicates (numpy percentile, linear), skipping a
    replicate in which any run drew one class;
  pair: McNemar's exact p-value (scipy binomtest on the discordant calls) and the AUCs.

Usage: python report_reference.py IN_DIR
"""
import json
import sys

import numpy as np
from scipy import stats

try:
    from sklearn import metrics
except ImportError as error:
    sys.exit(f"{error}: this interpreter ({sys.executable}) lacks scikit-learn, pinned in python/requirements-bench.txt; "
             "run `export ZOO_PYTHON=$(scripts/python-env.sh | tail -n1)` to create the environment that has it")


def roc_at(grid, scores, labels):
    fpr, tpr, _ = metrics.roc_curve(labels, scores, drop_intermediate=False)
    values = []
    for f in grid:
        at = tpr[fpr == f]
        if at.size:
            values.append(float(at.max()))
            continue
        k = int(np.searchsorted(fpr, f, side="right")) - 1
        values.append(float(tpr[k] + (f - fpr[k]) / (fpr[k + 1] - fpr[k]) * (tpr[k + 1] - tpr[k])))
    return values


def precision_at(grid, scores, labels):
    precision, recall, _ = metrics.precision_recall_curve(labels, scores)
    # sklearn orders points by increasing threshold; the highest threshold reaching a recall is the last such point.
    values = []
    for r in grid:
        reaching = np.nonzero(recall >= r - 1e-12)[0]
        values.append(float(precision[reaching[-1]]))
    return values


def band(curve, runs, replicates, grid, level):
    mean = np.mean([curve(grid, np.array(r["scores"]), np.array(r["labels"])) for r in runs], axis=0)
    draws = []
    for replicate in replicates:
        samples = [(np.array(r["scores"])[i], np.array(r["labels"])[i]) for r, i in zip(runs, replicate)]
        if any(labels.min() == labels.max() for _, labels in samples):
            continue
        draws.append(np.mean([curve(grid, s, l) for s, l in samples], axis=0))
    draws = np.array(draws)
    return {
        "runs": [curve(grid, np.array(r["scores"]), np.array(r["labels"])) for r in runs],
        "mean": mean.tolist(),
        "lower": np.percentile(draws, 100 * (1 - level) / 2, axis=0).tolist(),
        "upper": np.percentile(draws, 100 * (1 + level) / 2, axis=0).tolist(),
        "skipped": len(replicates) - len(draws),
    }


def across(values, level):
    values = np.array(values)
    mean, sd = float(values.mean()), float(values.std(ddof=1))
    half = stats.t.ppf((1 + level) / 2, len(values) - 1) * sd / np.sqrt(len(values))
    return {"mean": mean, "sd": sd, "interval": [mean - half, mean + half]}


def main(directory):
    with open(f"{directory}/report_cases.json") as handle:
        cases = json.load(handle)
    level, grid = cases["level"], np.array(cases["grid"])
    runs = cases["runs"]
    accuracy = [float(metrics.accuracy_score(r["labels"], np.array(r["scores"]) >= r["threshold"])) for r in runs]
    auc = [float(metrics.roc_auc_score(r["labels"], r["scores"])) for r in runs]
    first, second = cases["pair"]["first"], cases["pair"]["second"]
    correct_first = (np.array(first["scores"]) >= first["threshold"]) == (np.array(first["labels"]) == 1)
    correct_second = (np.array(second["scores"]) >= second["threshold"]) == (np.array(second["labels"]) == 1)
    b = int(np.sum(correct_first & ~correct_second))
    c = int(np.sum(~correct_first & correct_second))
    reference = {
        "accuracy": accuracy,
        "roc_auc": auc,
        "accuracy_across": across(accuracy, level),
        "roc_auc_across": across(auc, level),
        "roc": band(roc_at, runs, cases["bootstrap_indices"], grid, level),
        "pr": band(precision_at, runs, cases["bootstrap_indices"], grid, level),
        "pair": {
            "mcnemar_exact_p": float(stats.binomtest(b, b + c).pvalue) if b + c else 1.0,
            "discordant": [b, c],
        },
    }
    with open(f"{directory}/reference.json", "w") as handle:
        json.dump(reference, handle)


if __name__ == "__main__":
    main(sys.argv[1])

"""Reference values for Zoo's binary-classification metrics (Sources/Bench/Metrics), from scikit-learn,
scipy and numpy, for the cases the Swift test writes.

Reads IN_DIR/cases.json (written by Tests/BenchTests/Support/MetricsReference.swift) and writes IN_DIR/reference.json.
Per case (a validation and a test set of one model, a second model's test scores):
  - thresholds chosen on validation from sklearn's confusion_matrix_at_thresholds: max-F1 and equal error
    rate (argmin |FNR - FPR|); ties to the highest score, as Zoo documents;
  - at each threshold, on test: confusion_matrix, accuracy, balanced_accuracy_score, f1_score,
    precision_score, recall_score (sensitivity) and specificity (recall of class 0);
  - on test: roc_auc_score, average_precision_score, roc_curve(drop_intermediate=False),
    precision_recall_curve; a metric sklearn refuses (an error, or a warning with NaN or 0) is recorded as refused;
  - DeLong from the paper's formulas with O(m n) placement values (deliberately not Sun and Xu's midranks):
    each model's AUC and variance, and the paired z and two-sided p-value;
  - McNemar of the two models' calls at 0.5: scipy binomtest (exact) and chi2.sf of Edwards' statistic;
  - if the case lists bootstrap replicates (image indices drawn by Zoo's generator), the percentile interval
    of balanced accuracy and F1 at the max-F1 threshold (from sklearn's confusion_matrix) and of AP
    (average_precision_score) on each replicate.
Also: Wilson intervals (binomtest(k, n).proportion_ci(method='wilson')), t-intervals across runs
(scipy.stats.t), McNemar on given counts, and a 4000-replicate bootstrap variance of the AUC of the case
named by "bootstrap_variance_case" (a loose check of DeLong's variance).

Usage: python metrics_reference.py IN_DIR
"""
import json
import sys
import warnings

import numpy as np
import scipy
from scipy import stats

try:
    import sklearn
    from sklearn import metrics
except ImportError as error:
    sys.exit(f"{error}: this interpreter ({sys.executable}) lacks scikit-learn, pinned in python/requirements-bench.txt; "
             "run `export ZOO_PYTHON=$(scripts/python-env.sh | tail -n1)` to create the environment that has it")


def unless_refused(metric, *arguments):
    """(value, None), or (None, why) when sklearn raises or warns that the metric is undefined (sklearn 1.9
    returns NaN with an UndefinedMetricWarning for a one-class AUC, and 0 with a warning for AP without positives)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = metric(*arguments)
        except ValueError as error:
            return None, str(error)
    return (None, str(caught[0].message)) if caught else (float(value), None)


def max_f1_threshold(y, s):
    """F1 = 2 TP / (2 TP + FP + FN) at every distinct score, from sklearn's counts per threshold (the F1 at
    the chosen threshold is checked against f1_score in the "at" values)."""
    if y.sum() == 0:
        return None
    _, fps, fns, tps, thresholds = metrics.confusion_matrix_at_thresholds(y, s)
    return float(thresholds[int(np.argmax(2 * tps / (2 * tps + fps + fns)))])


def eer_threshold(y, s):
    """The score minimising |FNR - FPR| = |FN N - FP P| / (P N), compared as integers so ties are exact."""
    if y.sum() == 0 or y.sum() == len(y):
        return None
    _, fps, fns, _, thresholds = metrics.confusion_matrix_at_thresholds(y, s)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    return float(thresholds[int(np.argmin(np.abs(fns * negatives - fps * positives)))])


def at_threshold(y, s, t):
    predicted = (s >= t).astype(int)
    both = y.min() == 0 and y.max() == 1
    return {
        "confusion": metrics.confusion_matrix(y, predicted, labels=[0, 1]).tolist(),
        "accuracy": metrics.accuracy_score(y, predicted),
        "balanced_accuracy": metrics.balanced_accuracy_score(y, predicted) if both else None,
        "f1": metrics.f1_score(y, predicted, zero_division=0),
        "precision": metrics.precision_score(y, predicted, zero_division=0),
        "sensitivity": metrics.recall_score(y, predicted, zero_division=0) if y.max() == 1 else None,
        "specificity": metrics.recall_score(y, predicted, pos_label=0, zero_division=0) if y.min() == 0 else None,
    }


def delong_placements(y, s):
    """V10 (per positive) and V01 (per negative) from all m x n comparisons, DeLong et al. (1988)."""
    x, z = s[y == 1], s[y == 0]
    psi = (x[:, None] > z[None, :]) + 0.5 * (x[:, None] == z[None, :])
    return psi.mean(axis=1), psi.mean(axis=0)


def delong(y, models):
    placements = [delong_placements(y, s) for s in models]
    v10 = np.array([p[0] for p in placements])
    v01 = np.array([p[1] for p in placements])
    covariance = np.atleast_2d(np.cov(v10, ddof=1)) / v10.shape[1] + np.atleast_2d(np.cov(v01, ddof=1)) / v01.shape[1]
    return v10.mean(axis=1), covariance


def mcnemar(b, c):
    n = b + c
    exact = stats.binomtest(b, n, 0.5).pvalue if n > 0 else 1.0
    chi2 = (abs(b - c) - 1) ** 2 / n if n > 0 else 0.0
    return {"exact_p": float(exact), "chi2": float(chi2), "chi2_p": float(stats.chi2.sf(chi2, 1))}


def auc_by_ranks(y, s):
    """Mann-Whitney AUC of each row of s (midranks handle ties), vectorised for the bootstrap."""
    ranks = stats.rankdata(s, axis=1)
    positives = y.sum(axis=1)
    negatives = y.shape[1] - positives
    return ((ranks * y).sum(axis=1) - positives * (positives + 1) / 2) / (positives * negatives)


def case_reference(case):
    y_val, s_val = np.array(case["validation_labels"]), np.array(case["validation_scores"])
    y, s, s2 = np.array(case["labels"]), np.array(case["scores"]), np.array(case["second_scores"])
    out = {"thresholds": {"maxF1": max_f1_threshold(y_val, s_val), "equalErrorRate": eer_threshold(y_val, s_val)}}
    out["at"] = {rule: at_threshold(y, s, t) for rule, t in [("fixed", 0.5)] + list(out["thresholds"].items()) if t is not None}
    both = y.min() == 0 and y.max() == 1
    out["roc_auc"], out["roc_auc_refusal"] = unless_refused(metrics.roc_auc_score, y, s)
    out["average_precision"], out["average_precision_refusal"] = unless_refused(metrics.average_precision_score, y, s)
    if both:
        fpr, tpr, thresholds = metrics.roc_curve(y, s, drop_intermediate=False)
        # The first threshold is +inf (the (0, 0) point), which Zoo leaves out and JSON cannot hold.
        out["roc"] = {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": thresholds[1:].tolist()}
    if y.max() == 1:
        precision, recall, thresholds = metrics.precision_recall_curve(y, s)
        out["pr"] = {"precision": precision.tolist(), "recall": recall.tolist(), "thresholds": thresholds.tolist()}
    if y.sum() >= 2 and len(y) - y.sum() >= 2:
        areas, covariance = delong(y, [s, s2])
        difference_variance = covariance[0, 0] + covariance[1, 1] - 2 * covariance[0, 1]
        out["delong"] = {"auc": areas.tolist(), "covariance": covariance.tolist()}
        if difference_variance > 0:
            z = (areas[0] - areas[1]) / np.sqrt(difference_variance)
            out["delong"].update(z=float(z), p=float(2 * stats.norm.sf(abs(z))))
    correct, second_correct = (s >= 0.5) == (y == 1), (s2 >= 0.5) == (y == 1)
    out["mcnemar"] = mcnemar(int(np.sum(correct & ~second_correct)), int(np.sum(second_correct & ~correct)))
    if "bootstrap_indices" in case:
        t = out["thresholds"]["maxF1"]
        values = {"balanced_accuracy": [], "f1": [], "average_precision": []}
        for indices in case["bootstrap_indices"]:
            yr, sr = y[indices], s[indices]
            if yr.min() == yr.max():
                continue
            # One sklearn call for the thresholded metrics (their formulas are checked against sklearn's
            # functions above), one for AP: sklearn's per-call validation dominates the run time.
            (tn, fp), (fn, tp) = metrics.confusion_matrix(yr, (sr >= t).astype(int), labels=[0, 1])
            values["balanced_accuracy"].append((tp / (tp + fn) + tn / (tn + fp)) / 2)
            values["f1"].append(2 * tp / (2 * tp + fp + fn))
            values["average_precision"].append(metrics.average_precision_score(yr, sr))
        if len(values["f1"]) < 2:
            sys.exit(f"case {case['name']}: fewer than 2 bootstrap replicates drew both classes")
        level = case["bootstrap_level"]
        quantiles = [100 * (1 - level) / 2, 100 * (1 + level) / 2]
        out["bootstrap"] = {"intervals": {name: np.percentile(v, quantiles).tolist() for name, v in values.items()},
                            "skipped": len(case["bootstrap_indices"]) - len(values["f1"])}
    return out


def bootstrap_auc_variance(case, replicates, seed):
    y, s = np.array(case["labels"]), np.array(case["scores"])
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, len(y), size=(replicates, len(y)))
    return float(np.var(auc_by_ranks(y[indices], s[indices]), ddof=1))


def main(directory):
    with open(f"{directory}/cases.json") as f:
        spec = json.load(f)
    level = spec["level"]
    by_name = {case["name"]: case for case in spec["cases"]}
    reference = {
        "versions": {"sklearn": sklearn.__version__, "scipy": scipy.__version__, "numpy": np.__version__},
        "cases": {case["name"]: case_reference(case) for case in spec["cases"]},
        "wilson": [list(stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")) for k, n in spec["wilson"]],
        "runs": [],
        "mcnemar": [mcnemar(b, c) for b, c in spec["mcnemar"]],
        "bootstrap_auc_variance": bootstrap_auc_variance(by_name[spec["bootstrap_variance_case"]], 4000, 2019),
    }
    for values in spec["runs"]:
        values = np.array(values)
        mean, deviation = values.mean(), values.std(ddof=1)
        half = stats.t.ppf((1 + level) / 2, len(values) - 1) * deviation / np.sqrt(len(values))
        reference["runs"].append({"mean": mean, "sd": deviation, "interval": [mean - half, mean + half]})
    reference["wilson"] = [[float(v) for v in interval] for interval in reference["wilson"]]
    with open(f"{directory}/reference.json", "w") as f:
        json.dump(reference, f, allow_nan=False, default=float)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])

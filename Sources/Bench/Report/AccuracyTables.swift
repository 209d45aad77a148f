/// `accuracy.md` and `accuracy.csv`: the across-seed summary per configuration, every run with its own
/// intervals, and (in the CSV) every number at full precision, one line per run.
struct AccuracyTables: Sendable {
    let groups: [RunGroup]

    /// One row per recipe × dataset × protocol × phase × engine: mean ± SD [95% t interval of the mean] across
    /// the scored runs (RunsSummary); a lone run shows its own value and per-run interval instead.
    var summary: ReportTable {
        var notes = FootnoteList()
        let rows = groups.map { group -> [String] in
            let summary = group.summary
            let single = group.scored.count == 1 ? group.scored[0] : nil
            func cell(_ statistic: (RunsSummary) -> RunStatistics, _ value: (RunMetrics) -> Double, _ interval: (RunMetrics) -> Interval?) -> String {
                if let summary { return ReportFormat.acrossRuns(statistic(summary)) }
                if let single { return ReportFormat.metric(value(single), interval(single)) }
                return "—"
            }
            let gap = group.summaryGap.map { [$0] } ?? []
            let missing = group.runs.compactMap { run in run.missingMetricsReason.map { "seed \(run.seed): \($0)" } }
            return group.key.fields + [
                "\(group.scored.count)/\(group.runs.count)",
                cell(\.accuracy, \.accuracy, \.accuracyInterval),
                cell(\.balancedAccuracy, \.balancedAccuracy, \.balancedAccuracyInterval),
                cell(\.rocAUC, \.rocAUC, \.rocAUCInterval),
                cell(\.averagePrecision, \.averagePrecision, \.averagePrecisionInterval),
                cell(\.sensitivity, \.sensitivity, \.sensitivityInterval),
                cell(\.specificity, \.specificity, \.specificityInterval),
                cell(\.f1, \.f1, \.f1Interval),
                group.thresholdRules,
                group.imageCounts,
                group.evaluationSets,
                notes.cite(group.notes + gap + missing),
            ]
        }
        return ReportTable(
            title: "Accuracy across seeds",
            caption: "Per configuration: mean ± SD across scored runs (seeds/folds) [95% Student t interval of the mean]; "
                + "with one scored run, its value [its own 95% interval]. Runs: scored/total. n: test images per run.",
            columns: ["Recipe", "Dataset", "Protocol", "Phase", "Engine", "Runs", "Accuracy", "Balanced accuracy", "ROC AUC",
                      "Average precision", "Sensitivity", "Specificity", "F1", "Threshold rule", "n", "Evaluation set", "Notes"],
            rows: rows, footnotes: notes.texts)
    }

    /// One row per run, each metric with its 95% interval: Wilson (accuracy, sensitivity, specificity),
    /// DeLong (AUC), percentile bootstrap over images (balanced accuracy, AP, F1).
    var perRun: ReportTable {
        var notes = FootnoteList()
        let rows = groups.flatMap(\.runs).map { run -> [String] in
            let m = run.metrics
            func cell(_ value: (RunMetrics) -> Double, _ interval: (RunMetrics) -> Interval?) -> String {
                m.map { ReportFormat.metric(value($0), interval($0)) } ?? "—"
            }
            let positives = run.test.labels.filter { $0 == 1 }.count
            return RunGroup.Key(run).fields + [
                "\(run.seed)", run.fold.map(String.init) ?? "",
                cell(\.accuracy, \.accuracyInterval),
                cell(\.balancedAccuracy, \.balancedAccuracyInterval),
                cell(\.rocAUC, \.rocAUCInterval),
                cell(\.averagePrecision, \.averagePrecisionInterval),
                cell(\.sensitivity, \.sensitivityInterval),
                cell(\.specificity, \.specificityInterval),
                cell(\.f1, \.f1Interval),
                "\(run.threshold.rule.rawValue) @ \(ReportFormat.metric(run.threshold.value))",
                "\(run.test.labels.count) (\(positives)+/\(run.test.labels.count - positives)−)",
                run.evaluationSet,
                ReportFormat.seconds(run.timing.wallSeconds),
                notes.cite(run.notes + (run.missingMetricsReason.map { [$0] } ?? [])),
            ]
        }
        return ReportTable(
            title: "Accuracy per run",
            caption: "Each run with 95% intervals: Wilson for accuracy, sensitivity and specificity; DeLong for ROC AUC; "
                + "percentile bootstrap over test images for balanced accuracy, average precision and F1. "
                + "Threshold: rule chosen on validation @ value applied to test. n: images (positives+/negatives−).",
            columns: ["Recipe", "Dataset", "Protocol", "Phase", "Engine", "Seed", "Fold", "Accuracy", "Balanced accuracy", "ROC AUC",
                      "Average precision", "Sensitivity", "Specificity", "F1", "Threshold", "n", "Evaluation set", "Wall time", "Notes"],
            rows: rows, footnotes: notes.texts)
    }

    static let csvHeader: [String] = [
        "recipe", "model", "dataset", "dataset_source", "protocol", "phase", "engine", "seed", "fold", "evaluation_set",
        "threshold_rule", "threshold", "images", "positives", "negatives", "true_positives", "false_positives",
        "true_negatives", "false_negatives",
    ] + metricColumns.flatMap { [$0.name, "\($0.name)_lower", "\($0.name)_upper"] } + [
        "roc_auc_standard_error", "bootstrap_replicates", "bootstrap_seed", "bootstrap_skipped_replicates", "metrics_missing_reason",
        "wall_seconds", "feature_caching_seconds", "mean_epoch_seconds", "feature_cache", "epochs", "notes",
        "source_checkpoint_sha256", "converted_sha256", "parity_verdict", "dataset_manifest_digest", "recipe_sha256",
        "zoo_version", "zoo_commit", "cpu_model", "vector_extensions",
    ]

    /// The metrics with an interval, in CSV column order.
    static let metricColumns: [(name: String, value: @Sendable (RunMetrics) -> Double, interval: @Sendable (RunMetrics) -> Interval?)] = [
        ("accuracy", { $0.accuracy }, { $0.accuracyInterval }),
        ("balanced_accuracy", { $0.balancedAccuracy }, { $0.balancedAccuracyInterval }),
        ("roc_auc", { $0.rocAUC }, { $0.rocAUCInterval }),
        ("average_precision", { $0.averagePrecision }, { $0.averagePrecisionInterval }),
        ("sensitivity", { $0.sensitivity }, { $0.sensitivityInterval }),
        ("specificity", { $0.specificity }, { $0.specificityInterval }),
        ("precision", { $0.precision }, { $0.precisionInterval }),
        ("f1", { $0.f1 }, { $0.f1Interval }),
    ]

    /// Every run, every number at full precision; lists joined with " | ".
    var csv: String {
        let rows = groups.flatMap(\.runs).map { run -> [String] in
            let m = run.metrics, matrix = m?.confusionMatrix, p = run.provenance
            let positives = run.test.labels.filter { $0 == 1 }.count
            let metricFields = Self.metricColumns.flatMap { column -> [String] in
                guard let m else { return ["", "", ""] }
                let interval = column.interval(m)
                return [ReportFormat.machine(column.value(m)), ReportFormat.machine(interval?.lower), ReportFormat.machine(interval?.upper)]
            }
            return [
                run.recipe, run.model, run.dataset, run.datasetSource, run.protocolName, run.phase, run.engine, "\(run.seed)",
                ReportFormat.machine(run.fold), run.evaluationSet, run.threshold.rule.rawValue, ReportFormat.machine(run.threshold.value),
                "\(run.test.labels.count)", "\(positives)", "\(run.test.labels.count - positives)",
                ReportFormat.machine(matrix?.truePositives), ReportFormat.machine(matrix?.falsePositives),
                ReportFormat.machine(matrix?.trueNegatives), ReportFormat.machine(matrix?.falseNegatives),
            ] + metricFields + [
                ReportFormat.machine(m?.rocAUCStandardError), ReportFormat.machine(m?.bootstrap.replicates),
                m.map { "\($0.bootstrap.seed)" } ?? "", ReportFormat.machine(m?.bootstrapSkippedReplicates), run.missingMetricsReason ?? "",
                ReportFormat.machine(run.timing.wallSeconds), ReportFormat.machine(run.timing.featureCachingSeconds),
                ReportFormat.machine(run.timing.meanEpochSeconds), "\(run.timing.featureCache)", "\(run.history.count)",
                run.notes.joined(separator: " | "),
                p.sourceCheckpointSHA256, p.convertedSHA256 ?? "", p.parityVerdict, p.datasetManifestDigest, p.recipeSHA256,
                p.zooVersion, p.zooCommit, p.cpuModel, p.vectorExtensions.joined(separator: " | "),
            ]
        }
        return CSV.document(header: Self.csvHeader, rows: rows)
    }
}

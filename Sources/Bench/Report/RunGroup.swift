/// The runs of one configuration (recipe × dataset × protocol × phase × engine) across seeds and folds: one
/// row of the summary table, one learning-curve plot, one ROC plot. Groups and their runs are sorted, so the
/// report does not depend on the order in which parallel runs reached the log.
struct RunGroup: Sendable {
    struct Key: Hashable, Comparable, Sendable {
        let recipe: String
        let dataset: String
        let protocolName: String
        let phase: String
        let engine: String

        init(_ run: RunRecord) {
            recipe = run.recipe
            dataset = run.dataset
            protocolName = run.protocolName
            phase = run.phase
            engine = run.engine
        }

        var fields: [String] { [recipe, dataset, protocolName, phase, engine] }

        /// Phases in the order they run: the head phase before the fine-tuning phase that starts from it.
        static func < (a: Key, b: Key) -> Bool {
            func order(_ key: Key) -> [String] {
                [key.recipe, key.dataset, key.protocolName, key.phase == "head" ? "0" : "1 \(key.phase)", key.engine]
            }
            return order(a).lexicographicallyPrecedes(order(b))
        }

        /// A file name part: lowercase letters, digits and single hyphens.
        var slug: String {
            let joined = fields.joined(separator: "-").lowercased()
            let mapped = String(joined.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" })
            return mapped.split(separator: "-").joined(separator: "-")
        }

        var title: String { "\(recipe) · \(dataset) · \(protocolName) protocol · \(phase) · \(engine)" }
    }

    let key: Key
    /// Sorted by seed, then fold.
    let runs: [RunRecord]

    static func groups(_ runs: [RunRecord]) -> [RunGroup] {
        Dictionary(grouping: runs, by: Key.init).sorted { $0.key < $1.key }.map { key, runs in
            RunGroup(key: key, runs: runs.sorted(by: runOrder))
        }
    }

    static func runOrder(_ a: RunRecord, _ b: RunRecord) -> Bool {
        (a.seed, a.fold ?? -1) < (b.seed, b.fold ?? -1)
    }

    /// The runs that have metrics.
    var scored: [RunMetrics] { runs.compactMap(\.metrics) }

    /// Mean, SD and t interval across the scored runs; nil below two (a standard deviation needs two), with the
    /// reason in `summaryGap`.
    var summary: RunsSummary? { scored.count >= 2 ? try? RunsSummary(scored) : nil }

    /// Why the group has no across-run summary, or why it covers fewer runs than the group has.
    var summaryGap: String? {
        let missing = runs.count - scored.count
        if scored.isEmpty { return "no run of this configuration has metrics" }
        if scored.count == 1 {
            return "1 scored run: no spread across seeds (it needs 2); the run's own values and 95% intervals are shown"
        }
        return missing > 0 ? "\(missing) of \(runs.count) runs have no metrics and are left out of the mean" : nil
    }

    /// Every note of every run, each once, in run order.
    var notes: [String] {
        var seen: [String] = []
        for note in runs.flatMap(\.notes) where !seen.contains(note) { seen.append(note) }
        return seen
    }

    var evaluationSets: String { unique(runs.map(\.evaluationSet)).joined(separator: "; ") }

    var thresholdRules: String { unique(runs.map(\.threshold.rule.rawValue)).joined(separator: ", ") }

    /// Test images per run, "40" or "38–40" when the runs' test sets differ in size.
    var imageCounts: String {
        let counts = runs.map(\.test.labels.count)
        let low = counts.min() ?? 0, high = counts.max() ?? 0
        return low == high ? "\(low)" : "\(low)–\(high)"
    }

    private func unique(_ values: [String]) -> [String] {
        values.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }
}

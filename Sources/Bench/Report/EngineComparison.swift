/// The headline: each run of Zoo beside the Keras run of the same recipe (file digest), dataset (manifest digest),
/// base checkpoint, protocol, phase, seed and fold; of several such Keras runs, the last one logged. When both scored the same test images (matched by name), McNemar's test on their calls and DeLong's
/// paired test on their AUCs say whether the engines differ beyond chance on those images.
struct EngineComparison: Sendable {
    static let zoo = "zoo", keras = "keras"

    struct Pair: Sendable {
        let zoo: RunRecord
        let keras: RunRecord
    }

    let pairs: [Pair]

    init(_ runs: [RunRecord]) {
        struct Key: Hashable {
            let recipe, dataset, protocolName, phase, recipeDigest, manifestDigest, checkpoint: String
            let seed: UInt64
            let fold: Int?
        }
        func key(_ run: RunRecord) -> Key {
            Key(recipe: run.recipe, dataset: run.dataset, protocolName: run.protocolName, phase: run.phase,
                recipeDigest: run.provenance.recipeSHA256, manifestDigest: run.provenance.datasetManifestDigest,
                checkpoint: run.provenance.sourceCheckpointSHA256, seed: run.seed, fold: run.fold)
        }
        let kerasRuns = Dictionary(runs.filter { $0.engine == Self.keras }.map { (key($0), $0) }) { _, last in last }
        pairs = runs.filter { $0.engine == Self.zoo }
            .compactMap { zoo in kerasRuns[key(zoo)].map { Pair(zoo: zoo, keras: $0) } }
            .sorted { a, b in
                let ka = RunGroup.Key(a.zoo), kb = RunGroup.Key(b.zoo)
                return ka != kb ? ka < kb : RunGroup.runOrder(a.zoo, b.zoo)
            }
    }

    /// Keras's scores in Zoo's image order, or why the two runs cannot be paired.
    static func aligned(_ pair: Pair) -> Result<(BinaryPredictions, BinaryPredictions), PairingGap> {
        let zoo = pair.zoo.test, keras = pair.keras.test
        guard Set(zoo.images).count == zoo.images.count, Set(keras.images).count == keras.images.count,
              Set(zoo.images) == Set(keras.images) else {
            return .failure(PairingGap(reason: "the engines scored different test images: no paired test"))
        }
        let position = Dictionary(uniqueKeysWithValues: keras.images.enumerated().map { ($1, $0) })
        let order = zoo.images.map { position[$0]! }
        do {
            let first = try zoo.predictions()
            let second = try BinaryPredictions(scores: order.map { keras.scores[$0] }, labels: order.map { keras.labels[$0] })
            guard first.labels == second.labels else {
                return .failure(PairingGap(reason: "the engines' logs label the same images differently: no paired test"))
            }
            return .success((first, second))
        } catch {
            return .failure(PairingGap(reason: "no paired test: \(error)"))
        }
    }

    struct PairingGap: Error { let reason: String }

    /// The notes both runs carry, then each engine's own, named ("Zoo: ...") unless they name it already.
    static func notes(_ pair: Pair) -> [String] {
        func own(_ run: RunRecord, of other: RunRecord, _ engine: String) -> [String] {
            run.notes.filter { !other.notes.contains($0) }.map { $0.hasPrefix("\(engine) ") ? $0 : "\(engine): \($0)" }
        }
        return pair.zoo.notes.filter(pair.keras.notes.contains) + own(pair.zoo, of: pair.keras, "Zoo") + own(pair.keras, of: pair.zoo, "Keras")
    }

    /// "cached features (12.3 s to compute or read)" or "end to end": what a run's wall time paid for.
    static func howTrained(_ run: RunRecord) -> String {
        guard run.timing.featureCache else { return "end to end" }
        return "cached features" + (run.timing.featureCachingSeconds.map { " (\(ReportFormat.seconds($0)) to compute or read)" } ?? "")
    }

    /// What the time ratio does and does not compare, and data that proves the pipeline rather than the models.
    static func timingCaveats(_ pair: Pair) -> [String] {
        var caveats: [String] = []
        if pair.zoo.timing.featureCache != pair.keras.timing.featureCache {
            let cached = pair.zoo.timing.featureCache ? "Zoo" : "Keras", endToEnd = pair.zoo.timing.featureCache ? "Keras" : "Zoo"
            caveats.append("\(cached) trained the head on the frozen base's features, computed once or read from a cache an earlier run "
                + "filled (that time is in its wall time); \(endToEnd) ran the base at every step: the time ratio compares the two "
                + "workflows, not the same arithmetic")
        }
        for source in Set([pair.zoo.datasetSource, pair.keras.datasetSource]).sorted() where source.hasPrefix("synthetic") {
            caveats.append("the images are \(source): the accuracies prove the pipeline, not the models")
        }
        return caveats
    }

    var table: ReportTable {
        var notes = FootnoteList()
        let rows = pairs.map { pair -> [String] in
            var cellNotes = Self.notes(pair)
            var mcNemar = "—", deLong = "—"
            switch Self.aligned(pair) {
            case .success(let (zoo, keras)):
                do {
                    mcNemar = ReportFormat.pValue(try McNemarTest(zoo, threshold: pair.zoo.threshold, keras, threshold: pair.keras.threshold).reportedPValue)
                } catch { cellNotes.append("McNemar: \(error)") }
                do {
                    deLong = ReportFormat.pValue(try PairedDeLongTest(zoo, keras).pValue)
                } catch { cellNotes.append("paired DeLong: \(error)") }
            case .failure(let gap):
                cellNotes.append(gap.reason)
            }
            func accuracy(_ run: RunRecord) -> String { run.metrics.map { ReportFormat.metric($0.accuracy, $0.accuracyInterval) } ?? "—" }
            func auc(_ run: RunRecord) -> String { run.metrics.map { ReportFormat.metric($0.rocAUC, $0.rocAUCInterval) } ?? "—" }
            let zooSeconds = pair.zoo.timing.wallSeconds, kerasSeconds = pair.keras.timing.wallSeconds
            cellNotes += Self.timingCaveats(pair)
            return [
                pair.zoo.recipe, pair.zoo.dataset, pair.zoo.protocolName, pair.zoo.phase,
                "\(pair.zoo.seed)" + (pair.zoo.fold.map { " / fold \($0)" } ?? ""),
                accuracy(pair.zoo), accuracy(pair.keras), auc(pair.zoo), auc(pair.keras),
                Self.howTrained(pair.zoo), Self.howTrained(pair.keras),
                ReportFormat.seconds(zooSeconds), ReportFormat.seconds(kerasSeconds),
                zooSeconds > 0 ? ReportFormat.ratio(kerasSeconds / zooSeconds) : "—",
                mcNemar, deLong, notes.cite(cellNotes),
            ]
        }
        return ReportTable(
            title: "Zoo vs Keras",
            caption: "The same recipe, data, protocol and seed fine-tuned by each engine. Accuracy [Wilson 95%], ROC AUC [DeLong 95%], "
                + "how each trained the head (on base features cached once, or end to end through the base), wall time of the whole run, "
                + "Keras time / Zoo time (above 1: Zoo is faster). On the same test images: McNemar's test "
                + "on the two engines' calls (exact below 25 discordant images) and DeLong's paired test on their AUCs, two-sided p.",
            columns: ["Recipe", "Dataset", "Protocol", "Phase", "Seed", "Zoo accuracy", "Keras accuracy", "Zoo ROC AUC", "Keras ROC AUC",
                      "Zoo training", "Keras training", "Zoo time", "Keras time", "Keras/Zoo time", "McNemar p", "Paired DeLong p", "Notes"],
            rows: rows, footnotes: notes.texts)
    }
}

/// Where every run's numbers came from, one row per run in the order of the per-run table: the checkpoint and
/// converted weights' digests, the parity verdict, the dataset manifest and recipe digests, the Zoo build and
/// the CPU. With the row's seed this is what rebuilds the run.
struct ProvenanceTable: Sendable {
    let groups: [RunGroup]

    var table: ReportTable {
        let rows = groups.flatMap(\.runs).map { run -> [String] in
            let p = run.provenance
            return [run.recipe, run.dataset, run.protocolName, run.phase, run.engine,
                    "\(run.seed)" + (run.fold.map { " / fold \($0)" } ?? ""), run.datasetSource,
                    p.sourceCheckpointSHA256, p.convertedSHA256 ?? "—", p.parityVerdict, p.datasetManifestDigest, p.recipeSHA256,
                    "\(p.zooVersion) (\(p.zooCommit))", "\(p.cpuModel) (\(p.vectorExtensions.joined(separator: ", ")))"]
        }
        return ReportTable(
            title: "Provenance",
            caption: "Every run's inputs: SHA-256 of the Keras checkpoint and of Zoo's converted weights, the conversion's parity verdict, "
                + "the dataset manifest digest, the recipe's SHA-256, the Zoo build, and the CPU with its vector extensions.",
            columns: ["Recipe", "Dataset", "Protocol", "Phase", "Engine", "Seed", "Data source", "Source SHA-256", "Converted SHA-256",
                      "Parity", "Manifest digest", "Recipe SHA-256", "Zoo", "CPU"],
            rows: rows, footnotes: [])
    }
}

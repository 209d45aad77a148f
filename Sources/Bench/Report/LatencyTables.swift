/// `latency.md` and `latency.csv`: inference and training-step speed per model and engine.
struct LatencyTables: Sendable {
    /// Sorted by model, input size, then engine with Zoo first.
    let records: [LatencyRecord]

    init(_ records: [LatencyRecord]) {
        self.records = records.sorted {
            ($0.model, $0.inputSize, $0.engine == EngineComparison.zoo ? "" : $0.engine)
                < ($1.model, $1.inputSize, $1.engine == EngineComparison.zoo ? "" : $1.engine)
        }
    }

    var table: ReportTable {
        func optional(_ value: Double?, _ format: (Double) -> String) -> String { value.map(format) ?? "—" }
        let rows = records.map { r in
            [r.model, "\(r.inputSize)", r.engine, ReportFormat.milliseconds(r.batch1MedianMs), ReportFormat.milliseconds(r.batch1P90Ms),
             ReportFormat.milliseconds(r.batch1P99Ms), ReportFormat.fixed(r.batch16ImagesPerSecond, decimals: 1),
             ReportFormat.fixed(r.peakMemoryMB, decimals: 0), optional(r.trainStepFrozenMs, ReportFormat.milliseconds),
             optional(r.trainStepUnfrozenMs, ReportFormat.milliseconds), optional(r.epochSecondsCached, ReportFormat.seconds),
             optional(r.epochSecondsUncached, ReportFormat.seconds), "\(r.cpuModel) (\(r.vectorExtensions.joined(separator: ", ")))"]
        }
        return ReportTable(
            title: "Latency",
            caption: "Batch-1 latency percentiles (ms), batch-16 throughput (images/s), peak resident memory (MB), one training step "
                + "(ms) with the base frozen and unfrozen, one epoch (s) on cached features and running the base.",
            columns: ["Model", "Input", "Engine", "Batch 1 median ms", "Batch 1 p90 ms", "Batch 1 p99 ms", "Batch 16 images/s",
                      "Peak MB", "Train step frozen ms", "Train step unfrozen ms", "Epoch cached", "Epoch uncached", "CPU"],
            rows: rows, footnotes: [])
    }

    var csv: String {
        let header = ["model", "input_size", "engine", "cpu_model", "vector_extensions", "batch1_median_ms", "batch1_p90_ms",
                      "batch1_p99_ms", "batch16_images_per_second", "peak_memory_mb", "train_step_frozen_ms",
                      "train_step_unfrozen_ms", "epoch_seconds_cached", "epoch_seconds_uncached"]
        let rows = records.map { r in
            [r.model, "\(r.inputSize)", r.engine, r.cpuModel, r.vectorExtensions.joined(separator: " | "),
             ReportFormat.machine(r.batch1MedianMs), ReportFormat.machine(r.batch1P90Ms), ReportFormat.machine(r.batch1P99Ms),
             ReportFormat.machine(r.batch16ImagesPerSecond), ReportFormat.machine(r.peakMemoryMB),
             ReportFormat.machine(r.trainStepFrozenMs), ReportFormat.machine(r.trainStepUnfrozenMs),
             ReportFormat.machine(r.epochSecondsCached), ReportFormat.machine(r.epochSecondsUncached)]
        }
        return CSV.document(header: header, rows: rows)
    }
}

import Ceilings
import Foundation

/// A profile as people read it (a Markdown table, the slowest steps first and then all in execution order) and as
/// programs do (CSV, JSON). Every figure sits under the machine's name and its measured ceilings.
public struct ProfileReport {
    public let profile: ModelProfile
    /// The load average when the profile was taken (`LoadAverage.current`).
    public let loadAverage: [Double]?

    public init(_ profile: ModelProfile, loadAverage: [Double]?) {
        self.profile = profile
        self.loadAverage = loadAverage
    }

    /// One row per step: the values every format shows, already worked out against the ceilings.
    struct Row {
        let index: Int
        let step: ModelProfile.Step
        let floorMilliseconds: Double
        let bound: ModelProfile.Bound
        let ceilingShare: Double
        let fmaShare: Double
        let bandwidthShare: Double
        let timeShare: Double
    }

    var rows: [Row] {
        let ceilings = profile.ceilings
        let total = profile.steps.reduce(0) { $0 + $1.milliseconds }
        return profile.steps.enumerated().map { index, step in
            let floor = profile.floor(of: step)
            return Row(index: index + 1, step: step, floorMilliseconds: floor.milliseconds, bound: floor.bound,
                       ceilingShare: profile.ceilingShare(of: step), fmaShare: step.gflopsPerSecond / ceilings.fmaPeakGFLOPS,
                       bandwidthShare: step.gigabytesPerSecond / ceilings.memoryBandwidthGBps,
                       timeShare: total > 0 ? step.milliseconds / total : 0)
        }
    }

    public var heading: [String] {
        let totalGFLOP = Double(profile.totalFlops) / 1e9
        return [
            "Profile of \(profile.model) (\(profile.mode.rawValue) mode), input \(profile.inputShape.map(String.init).joined(separator: "x")), "
                + "median of \(profile.runs) runs, \(profile.threads) thread\(profile.threads == 1 ? "" : "s")",
            "",
            "- machine: \(profile.ceilings.summary)",
            "- load average (1 / 5 / 15 min): \(LoadAverage.text(loadAverage))",
            String(format: "- forward pass: %.2f ms median (steps' medians sum to %.2f ms); %.2f GFLOP, %.1f GFLOP/s, %.0f%% of the FMA peak",
                   profile.totalMilliseconds, profile.steps.reduce(0) { $0 + $1.milliseconds }, totalGFLOP,
                   totalGFLOP / profile.totalMilliseconds * 1e3, 100 * totalGFLOP / profile.totalMilliseconds * 1e3 / profile.ceilings.fmaPeakGFLOPS),
        ]
    }

    /// The heading, the `slowest` slowest steps, then every step in execution order.
    public func markdown(slowest: Int = 10) -> String {
        let header = "| # | step | operation | output | ms | % of time | GFLOP | GFLOP/s | % FMA peak | MB moved | GB/s | % bandwidth | bound | % of ceiling |"
        let rule = "|" + String(repeating: "---|", count: 14)
        func line(_ row: Row) -> String {
            let step = row.step
            let cells = ["\(row.index)", step.name, step.operation, step.outputShape.map(String.init).joined(separator: "x"),
                         String(format: "%.3f", step.milliseconds), String(format: "%.1f", 100 * row.timeShare),
                         step.flops > 0 ? String(format: "%.3f", Double(step.flops) / 1e9) : "-",
                         step.flops > 0 ? String(format: "%.1f", step.gflopsPerSecond) : "-",
                         step.flops > 0 ? String(format: "%.0f", 100 * row.fmaShare) : "-",
                         String(format: "%.2f", Double(step.bytes) / 1e6), String(format: "%.1f", step.gigabytesPerSecond),
                         String(format: "%.0f", 100 * row.bandwidthShare), row.bound.rawValue, String(format: "%.0f", 100 * row.ceilingShare)]
            return "| " + cells.joined(separator: " | ") + " |"
        }
        let all = rows
        let slow = all.sorted { $0.step.milliseconds > $1.step.milliseconds }.prefix(slowest)
        return (heading + ["", "The \(slow.count) slowest steps:", "", header, rule] + slow.map(line)
                + ["", "Every step, in execution order:", "", header, rule] + all.map(line)
                + ["", "FLOPs count 2 per multiply-add of a convolution or dense layer; bytes moved are the weights (float32) plus "
                   + "the activations read and written. The bound is the ceiling that allows the longer time for the step (FLOPs at "
                   + "the FMA peak, or bytes at the memory bandwidth); % of ceiling is that time over the measured one."])
            .joined(separator: "\n") + "\n"
    }

    static let csvColumns = ["index", "step", "operation", "layers", "output_shape", "milliseconds", "time_share", "flops", "gflops_per_second",
                             "fma_peak_share", "weight_bytes", "activation_bytes", "gigabytes_per_second", "bandwidth_share", "bound",
                             "floor_milliseconds", "ceiling_share"]

    public var csv: String {
        let lines = rows.map { row -> String in
            let step = row.step
            return ["\(row.index)", step.name, step.operation, step.layers.joined(separator: " "), step.outputShape.map(String.init).joined(separator: "x"),
                    "\(step.milliseconds)", "\(row.timeShare)", "\(step.flops)", "\(step.gflopsPerSecond)", "\(row.fmaShare)",
                    "\(step.weightBytes)", "\(step.activationBytes)", "\(step.gigabytesPerSecond)", "\(row.bandwidthShare)",
                    row.bound.rawValue, "\(row.floorMilliseconds)", "\(row.ceilingShare)"].map(Self.csvField).joined(separator: ",")
        }
        return ([Self.csvColumns.joined(separator: ",")] + lines).joined(separator: "\n") + "\n"
    }

    private static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    public func json() throws -> String {
        let steps: [[String: Any]] = rows.map { row in
            let step = row.step
            return ["index": row.index, "step": step.name, "operation": step.operation, "layers": step.layers, "output_shape": step.outputShape,
                    "milliseconds": step.milliseconds, "time_share": row.timeShare, "flops": step.flops,
                    "gflops_per_second": step.gflopsPerSecond, "fma_peak_share": row.fmaShare, "weight_bytes": step.weightBytes,
                    "activation_bytes": step.activationBytes, "gigabytes_per_second": step.gigabytesPerSecond,
                    "bandwidth_share": row.bandwidthShare, "bound": row.bound.rawValue, "floor_milliseconds": row.floorMilliseconds,
                    "ceiling_share": row.ceilingShare]
        }
        let ceilings = try JSONSerialization.jsonObject(with: Data(profile.ceilings.jsonText().utf8))
        let object: [String: Any] = [
            "model": profile.model, "mode": profile.mode.rawValue, "input_shape": profile.inputShape, "runs": profile.runs,
            "threads": profile.threads, "total_milliseconds": profile.totalMilliseconds, "total_flops": profile.totalFlops,
            "load_average": loadAverage ?? [], "ceilings": ceilings, "steps": steps,
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

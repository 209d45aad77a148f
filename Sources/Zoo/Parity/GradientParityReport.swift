/// The written forms of a `GradientParityCheck`, in the forward report's style and with its number formats:
/// the text table `zoo verify --gradients` prints, a Markdown report and a CSV of every row.
public struct GradientParityReport {
    public let check: GradientParityCheck
    /// Lines describing what was compared (model, golden case, loss, tolerance, fault).
    public let header: [(String, String)]

    public init(check: GradientParityCheck, header: [(String, String)]) {
        self.check = check
        self.header = header
    }

    public var verdict: String {
        if check.rows.isEmpty { return "FAIL: no gradients compared (nothing trainable and no input gradient)" }
        guard let first = check.firstFailing else { return "PASS" }
        let path = check.cameThrough.isEmpty
            ? "at an output layer: its output gradient is the loss's"
            : "its output gradient came back through \(check.cameThrough.joined(separator: ", ")), whose gradients pass"
        return "FAIL: first failing gradient: \(first.name) (\(path)); \(check.failingRows) of \(check.rows.count) gradients fail"
    }

    /// One line per gradient, aligned, for the terminal.
    public var text: String {
        var lines = header.map { "\($0.0): \($0.1)" }
        lines.append("gradients in backward order (output layer first):")
        lines.append(Self.row(["layer", "weight", "shape", "max|Δ|", "max|Δ|/max|ref|", "cosine", "result"]))
        for row in check.rows {
            lines.append(Self.row([row.layer, row.weight ?? "(input)", row.shape.map(String.init).joined(separator: "x"),
                                   ParityReport.number(row.discrepancy.maxAbsoluteError), ParityReport.number(row.discrepancy.normalisedError),
                                   ParityReport.cosine(row.discrepancy.cosineSimilarity), mark(row)]))
        }
        lines.append(verdict)
        return lines.joined(separator: "\n")
    }

    public func markdown(plotFile: String?) -> String {
        var lines = ["# Gradient parity report", ""]
        lines += header.map { "- **\($0.0)**: \($0.1)" }
        lines += ["- **result**: \(verdict)", ""]
        if let plotFile { lines += ["![normalised error of each gradient in backward order](\(plotFile))", ""] }
        lines += ["Gradients in backward order (the output layer first, as the gradient flows; the input gradient last).", "",
                  "| # | layer | weight | shape | max abs error | max abs error / max abs ref | mean abs error | cosine | result |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for (index, row) in check.rows.enumerated() {
            lines.append("| \(index + 1) | \(row.layer) | \(row.weight ?? "(input)") | \(row.shape) | \(ParityReport.number(row.discrepancy.maxAbsoluteError)) | "
                         + "\(ParityReport.number(row.discrepancy.normalisedError)) | \(ParityReport.number(row.discrepancy.meanAbsoluteError)) | "
                         + "\(ParityReport.cosine(row.discrepancy.cosineSimilarity)) | \(mark(row, emphasis: "**")) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public var csv: String {
        var lines = ["order,layer,weight,shape,max_abs_error,max_abs_reference,normalised_error,mean_abs_error,cosine,noise,pass"]
        for (index, row) in check.rows.enumerated() {
            let d = row.discrepancy
            lines.append(["\(index + 1)", row.layer, row.weight ?? "", row.shape.map(String.init).joined(separator: "x"),
                          "\(d.maxAbsoluteError)", "\(d.maxAbsoluteReference)", "\(d.normalisedError)", "\(d.meanAbsoluteError)",
                          "\(d.cosineSimilarity)", "\(row.noise)", "\(d.passes(tolerance: check.tolerance))"].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// pass / FAIL / FAIL (first failing), with why a row is scaled differently or could not be compared.
    private func mark(_ row: GradientParity, emphasis: String = "") -> String {
        let result = row.discrepancy.passes(tolerance: check.tolerance)
            ? "pass"
            : (row.name == check.firstFailing?.name ? "\(emphasis)FAIL (first failing)\(emphasis)" : "FAIL")
        let notes = [row.noise ? "noise: normalised by the largest gradient" : "", row.discrepancy.problem].filter { !$0.isEmpty }
        return notes.isEmpty ? result : "\(result): \(notes.joined(separator: "; "))"
    }

    private static func row(_ cells: [String]) -> String { ParityReport.row(cells, widths: [28, 8, 16, 11, 16, 12]) }
}

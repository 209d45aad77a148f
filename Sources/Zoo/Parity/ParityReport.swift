import Foundation

/// The written forms of a `ParityCheck`: a Markdown report, a CSV of every compared layer, and the text
/// table `zoo verify` prints.
public struct ParityReport {
    public let check: ParityCheck
    /// Lines describing what was compared (model, golden file, precision, tolerance and why).
    public let header: [(String, String)]

    public init(check: ParityCheck, header: [(String, String)]) {
        self.check = check
        self.header = header
    }

    public var verdict: String {
        if check.passed { return "PASS" }
        var parts: [String] = []
        if let first = check.firstFailingLayer { parts.append("first failing layer: \(first.layer) (case \(first.case))") }
        if check.failingLayers > 0 && check.firstFailingLayer == nil { parts.append("\(check.failingLayers) layer(s) fail") }
        if check.argmaxDisagreements > 0 { parts.append("argmax differs on \(check.argmaxDisagreements) input(s)") }
        if check.cases.isEmpty { parts.append("no cases compared") }
        return "FAIL: " + parts.joined(separator: "; ")
    }

    public func markdown(plotFile: String?) -> String {
        var lines = ["# Parity report", ""]
        lines += header.map { "- **\($0.0)**: \($0.1)" }
        lines += ["- **result**: \(verdict)", ""]
        if let plotFile { lines += ["![normalised error against layer depth](\(plotFile))", ""] }
        lines += ["## Cases", "", "| case | input | worst layer | max normalised error | argmax (Zoo / Keras) | first failing layer |",
                  "|---|---|---|---|---|---|"]
        for result in check.cases {
            let argmax = result.argmaxAgreement.map { "\($0.output)[\($0.item)]: \($0.zoo) / \($0.keras)\($0.agrees ? "" : " **differs**")" }
            lines.append("| \(result.name) | \(result.inputShape) | \(result.worst?.layer ?? "-") | \(Self.number(result.worst?.normalisedError)) | "
                         + "\(argmax.joined(separator: ", ")) | \(result.firstFailingLayer ?? "-") |")
        }
        for result in check.cases {
            lines += ["", "## Case `\(result.name)`", "",
                      "| # | layer | op | shape | max abs error | max abs error / max abs ref | mean abs error | cosine | result |",
                      "|---|---|---|---|---|---|---|---|---|"]
            for layer in result.layers {
                let mark = layer.passes(tolerance: check.tolerance) ? "pass" : (layer.layer == result.firstFailingLayer ? "**FAIL (first)**" : "FAIL")
                let note = layer.problem.isEmpty ? "" : " (\(layer.problem))"
                lines.append("| \(layer.depth) | \(layer.layer) | \(layer.op) | \(layer.shape) | \(Self.number(layer.maxAbsoluteError)) | "
                             + "\(Self.number(layer.normalisedError)) | \(Self.number(layer.meanAbsoluteError)) | "
                             + "\(Self.cosine(layer.cosineSimilarity)) | \(mark)\(note) |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public var csv: String {
        var lines = ["case,depth,layer,op,shape,max_abs_error,max_abs_reference,normalised_error,mean_abs_error,cosine,pass"]
        for result in check.cases {
            for layer in result.layers {
                lines.append([result.name, "\(layer.depth)", layer.layer, layer.op, layer.shape.map(String.init).joined(separator: "x"),
                              "\(layer.maxAbsoluteError)", "\(layer.maxAbsoluteReference)", "\(layer.normalisedError)",
                              "\(layer.meanAbsoluteError)", "\(layer.cosineSimilarity)", "\(layer.passes(tolerance: check.tolerance))"]
                    .joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line per layer and case, aligned, for the terminal.
    public var text: String {
        var lines: [String] = header.map { "\($0.0): \($0.1)" }
        for result in check.cases {
            lines.append("case \(result.name), input \(result.inputShape):")
            lines.append(Self.row(["layer", "shape", "max|Δ|", "max|Δ|/max|ref|", "mean|Δ|", "cosine", "result"]))
            for layer in result.layers {
                let mark = layer.passes(tolerance: check.tolerance) ? "pass" : (layer.layer == result.firstFailingLayer ? "FAIL (first failing)" : "FAIL")
                lines.append(Self.row([layer.layer, layer.shape.map(String.init).joined(separator: "x"), Self.number(layer.maxAbsoluteError),
                                       Self.number(layer.normalisedError), Self.number(layer.meanAbsoluteError),
                                       Self.cosine(layer.cosineSimilarity), mark + (layer.problem.isEmpty ? "" : ": \(layer.problem)")]))
            }
            for agreement in result.argmaxAgreement {
                lines.append("  argmax \(agreement.output)[\(agreement.item)]: zoo \(agreement.zoo), keras \(agreement.keras)\(agreement.agrees ? "" : "  DIFFERS")")
            }
        }
        lines.append(verdict)
        return lines.joined(separator: "\n")
    }

    private static func row(_ cells: [String]) -> String { row(cells, widths: [28, 16, 11, 16, 11, 10]) }

    /// A terminal table row: each cell padded to its column's width (a longer cell pushes the rest right), the
    /// cells past the widths given left as they are. Shared with the gradient table.
    static func row(_ cells: [String], widths: [Int]) -> String {
        "  " + cells.enumerated().map { index, cell in
            index < widths.count ? cell.padding(toLength: max(widths[index], cell.count), withPad: " ", startingAt: 0) : cell
        }.joined(separator: " ")
    }

    /// A value in three significant digits, `n/a` for NaN, `inf`, `-` for none.
    public static func number(_ value: Double?) -> String {
        guard let value else { return "-" }
        if value.isNaN { return "n/a" }
        if value.isInfinite { return "inf" }
        return value == 0 ? "0" : String(format: "%.3e", value)
    }

    /// A cosine similarity to nine decimals: a wrong layer is often still 0.99999.
    static func cosine(_ value: Double) -> String { value.isNaN ? "n/a" : String(format: "%.9f", value) }
}

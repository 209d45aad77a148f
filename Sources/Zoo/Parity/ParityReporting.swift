/// What `zoo verify` emits of a parity check, forward or gradients: the terminal table (ending with the verdict),
/// and, for a report, the plot, the CSV of every row and the Markdown that shows the plot.
public protocol ParityReporting {
    var passed: Bool { get }
    /// `PASS`, or `FAIL:` and where.
    var verdict: String { get }
    var text: String { get }
    var csv: String { get }
    func markdown(plotFile: String?) -> String
    func svg(title: String) -> String
}

extension ParityReport: ParityReporting {
    public var passed: Bool { check.passed }
    public func svg(title: String) -> String { ParityPlot.svg(check, title: title) }
}

extension GradientParityReport: ParityReporting {
    public var passed: Bool { check.passed }
    public func svg(title: String) -> String { ParityPlot.svg(check, title: title) }
}

/// `report.html`: one self-contained page (inline CSS and SVG, no scripts, nothing fetched) with the headline
/// table, the accuracy and latency tables, every plot, the notes and the provenance of every row. Every string
/// from a record is escaped (ReportTable.html, SVG.text).
struct HTMLReport: Sendable {
    let title: String
    let subtitle: String
    let tables: [(id: String, table: ReportTable)]
    let plots: [ReportPlots.Plot]
    /// Report-wide notes: plots that could not be drawn, warnings from reading the log.
    let notes: [String]

    private static let style = """
    body { font-family: system-ui, sans-serif; margin: 24px; color: #1a1a1a; max-width: 1800px; }
    h1 { font-size: 1.6em; margin-bottom: 0.2em; }
    h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
    .table-wrap { overflow-x: auto; }
    table { border-collapse: collapse; font-size: 0.85em; margin: 8px 0; }
    th, td { border: 1px solid #ccc; padding: 4px 6px; text-align: left; vertical-align: top; }
    th { background: #f3f3f3; }
    tbody tr:nth-child(even) { background: #fafafa; }
    td { font-variant-numeric: tabular-nums; }
    #provenance td { font-family: monospace; font-size: 0.9em; word-break: break-all; }
    figure { display: inline-block; margin: 8px 16px 16px 0; vertical-align: top; }
    figcaption { font-size: 0.85em; color: #444; max-width: 1120px; }
    ol.notes { font-size: 0.85em; color: #333; }
    nav a { margin-right: 12px; }
    """

    var html: String {
        var body = "<h1>\(HTML.escape(title))</h1>\n<p>\(HTML.escape(subtitle))</p>\n<nav>"
        body += tables.map { "<a href=\"#\(HTML.escape($0.id))\">\(HTML.escape($0.table.title))</a>" }.joined()
        body += "<a href=\"#plots\">Plots</a><a href=\"#report-notes\">Notes</a></nav>\n"
        body += tables.map { $0.table.html(id: $0.id) }.joined()
        body += "<section id=\"plots\">\n<h2>Plots</h2>\n"
        for plot in plots {
            body += "<figure id=\"plot-\(HTML.escape(plot.fileName))\">\n\(plot.svg)<figcaption>\(HTML.escape(plot.caption)) "
                + "(plots/\(HTML.escape(plot.fileName)))</figcaption>\n</figure>\n"
        }
        if plots.isEmpty { body += "<p>(no plots)</p>\n" }
        body += "</section>\n<section id=\"report-notes\">\n<h2>Notes</h2>\n"
        body += notes.isEmpty ? "<p>(none)</p>\n" : "<ul>\n" + notes.map { "<li>\(HTML.escape($0))</li>" }.joined(separator: "\n") + "\n</ul>\n"
        body += "</section>\n"
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title))</title>
        <style>
        \(Self.style)
        </style>
        </head>
        <body>
        \(body)</body>
        </html>

        """
    }
}

/// A table as the report shows it: a title, column headers, rows of already formatted cells and numbered
/// footnotes. Markdown and HTML render the same `ReportTable`, so the two never disagree on a number.
struct ReportTable: Sendable {
    let title: String
    /// One sentence under the title saying what the rows are.
    let caption: String
    let columns: [String]
    let rows: [[String]]
    /// Footnote n (1-based) is `footnotes[n - 1]`; cells cite it as "[n]".
    let footnotes: [String]

    var markdown: String {
        func line(_ cells: [String]) -> String { "| " + cells.map(Self.markdownCell).joined(separator: " | ") + " |" }
        var text = "## \(title)\n\n\(caption)\n\n"
        text += line(columns) + "\n" + "|" + String(repeating: "---|", count: columns.count) + "\n"
        text += rows.map(line).joined(separator: "\n")
        if rows.isEmpty { text += line(["(none)"] + Array(repeating: "", count: columns.count - 1)) }
        text += "\n"
        if !footnotes.isEmpty {
            text += "\n" + footnotes.enumerated().map { "[\($0.offset + 1)] \(Self.markdownText($0.element))" }.joined(separator: "  \n") + "\n"
        }
        return text
    }

    func html(id: String) -> String {
        var text = "<section id=\"\(HTML.escape(id))\">\n<h2>\(HTML.escape(title))</h2>\n<p>\(HTML.escape(caption))</p>\n"
        text += "<div class=\"table-wrap\">\n<table>\n<thead><tr>" + columns.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for row in rows { text += "<tr>" + row.map { "<td>\(HTML.escape($0))</td>" }.joined() + "</tr>\n" }
        if rows.isEmpty { text += "<tr><td colspan=\"\(columns.count)\">(none)</td></tr>\n" }
        text += "</tbody>\n</table>\n</div>\n"
        if !footnotes.isEmpty {
            text += "<ol class=\"notes\">\n" + footnotes.map { "<li>\(HTML.escape($0))</li>" }.joined(separator: "\n") + "\n</ol>\n"
        }
        return text + "</section>\n"
    }

    /// A cell on one line with its pipes escaped, so a note cannot break the table.
    static func markdownCell(_ text: String) -> String {
        markdownText(text).replacingOccurrences(of: "|", with: "\\|")
    }

    /// On one line, with `<` escaped so free text is never read as inline HTML by a Markdown renderer.
    static func markdownText(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ").replacingOccurrences(of: "<", with: "\\<")
    }
}

/// Footnotes shared by one table: each distinct text gets one number, in order of first use.
struct FootnoteList {
    private(set) var texts: [String] = []

    /// "[1], [3]" for the texts, adding the new ones.
    mutating func cite(_ notes: [String]) -> String {
        notes.map { note in
            if let index = texts.firstIndex(of: note) { return "[\(index + 1)]" }
            texts.append(note)
            return "[\(texts.count)]"
        }.joined(separator: ", ")
    }
}

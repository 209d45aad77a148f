import Foundation

/// Keras 3's `CSVLogger` (`keras/src/callbacks/csv_logger.py`): one row per epoch, `epoch` then the logs' keys
/// sorted as the first epoch had them (plus `val_<key>` columns, written `NA`, when no key starts with `val_`),
/// a key missing later written `NA`, values as Python's `repr` of a float (`Double.description` is the same
/// shortest round-trip form), rows ended by `\r\n` (the csv module's excel dialect). With `append`, rows follow an
/// existing file, its header written only if the file is empty.
///
/// Unlike Keras, which appends to an open file, the whole text is rewritten through a temporary file and renamed
/// over the log at each epoch's end (`Data.write(options: .atomic)`), so a crash never leaves half a row.
public final class CSVLogger: Callback {
    public let url: URL
    public let separator: String
    public let append: Bool
    private var text = ""
    private var keys: [String]?
    /// Whether this run has written the log yet: until then a file at `url` is not this run's.
    public private(set) var hasWritten = false

    public init(url: URL, separator: String = ",", append: Bool = false) {
        self.url = url
        self.separator = separator
        self.append = append
    }

    public func trainBegin(control: TrainingControl) throws {
        text = append ? ((try? String(contentsOf: url, encoding: .utf8)) ?? "") : ""
        keys = nil
        hasWritten = false
    }

    public func epochEnd(_ epoch: Int, logs: inout [String: Double], control: TrainingControl) throws {
        let columns: [String]
        if let keys {
            columns = keys
        } else {
            var sorted = logs.keys.sorted()
            if !sorted.contains(where: { $0.hasPrefix("val_") }) { sorted += sorted.map { "val_\($0)" } }
            columns = sorted
            keys = sorted
            if text.isEmpty { text = (["epoch"] + columns).joined(separator: separator) + "\r\n" }
        }
        let row = [String(epoch)] + columns.map { logs[$0].map { $0.description } ?? "NA" }
        text += row.joined(separator: separator) + "\r\n"
        try Data(text.utf8).write(to: url, options: .atomic)
        hasWritten = true
    }
}

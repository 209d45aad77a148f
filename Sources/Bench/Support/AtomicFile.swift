import Foundation

/// Files the data pipeline writes (images, manifests, dataset descriptions) appear whole or not at all.
public enum AtomicFile {
    /// Writes `data` to a temporary name beside `url`, then renames it into place.
    public static func write(_ data: Data, to url: URL) throws {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw DataError(file: url.path, kind: .writeFailed, problem: "cannot write (\(error.localizedDescription))")
        }
    }
}

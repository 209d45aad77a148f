import Foundation

/// The exact list of images a split holds: relative path, label and SHA-256 of the file's bytes.
/// Written next to results so that a table says which images it was measured on; a run refuses
/// to start when a file changed under its manifest (`verify`).
public struct Manifest: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public let path: String
        public let label: Int
        public let sha256: String
    }

    public static let currentFormat = "zoo-manifest/1"

    public var format: String
    public var layout: DatasetLayout
    public var split: String
    /// The dataset root when the manifest was made; `verify` and `dataset` can be given another.
    public var root: String
    public var classes: [String]
    public var images: [Entry]

    /// Hashes every file of `split` (with progress: files done of total).
    public static func make(_ split: Split, of dataset: Dataset, progress: ProgressReporter? = nil) throws -> Manifest {
        let hashes = try hashFiles(split.images.map(dataset.url(of:)), progress: progress)
        let entries = zip(split.images, hashes).map { Entry(path: $0.path, label: $0.label, sha256: $1) }
        return Manifest(format: currentFormat, layout: dataset.layout, split: split.name, root: dataset.root.path,
                        classes: dataset.classNames, images: entries)
    }

    public static func read(from url: URL) throws -> Manifest {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError(file: url.path, kind: .unreadable, problem: "cannot read the manifest")
        }
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw DataError(file: url.path, kind: .badManifest, problem: "not a zoo manifest (\(error))")
        }
        guard manifest.format == currentFormat else {
            throw DataError(file: url.path, kind: .badManifest, problem: "format \(manifest.format), expected \(currentFormat)")
        }
        return manifest
    }

    /// Canonical JSON (sorted keys), written to a temporary name and renamed into place.
    public func write(to url: URL) throws {
        try AtomicFile.write(encoded(), to: url)
    }

    /// SHA-256 of the canonical JSON: one string that names this exact set of images.
    public var digest: String {
        ContentHash.sha256Hex(of: encoded())
    }

    /// Re-hashes every file under `root` (default: the recorded root) and throws if any is missing
    /// or changed, naming the first few.
    public func verify(root: URL? = nil, progress: ProgressReporter? = nil) throws {
        let base = root ?? URL(fileURLWithPath: self.root)
        let urls = images.map { base.appendingPathComponent($0.path) }
        var problems: [String] = []
        let hashes = try Manifest.hashFiles(urls, progress: progress, missingAllowed: true)
        for (entry, hash) in zip(images, hashes) where hash != entry.sha256 {
            problems.append(hash.isEmpty ? "\(entry.path) is missing" : "\(entry.path) changed")
        }
        guard problems.isEmpty else {
            let shown = problems.prefix(3).joined(separator: ", ")
            let more = problems.count > 3 ? " and \(problems.count - 3) more" : ""
            throw DataError(file: base.path, kind: .badManifest,
                            problem: "\(problems.count) of \(images.count) files differ from manifest split '\(split)': \(shown)\(more)")
        }
    }

    /// The split as a dataset rooted at `root` (default: the recorded root), for the batch loader.
    public func dataset(root: URL? = nil) -> Dataset {
        let images = self.images.map { LabeledImage(path: $0.path, label: $0.label) }
        return Dataset(layout: layout, root: root ?? URL(fileURLWithPath: self.root), classNames: classes,
                       splits: [Split(name: split, images: images)])
    }

    private func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and integers cannot fail.
        return (try? encoder.encode(self)) ?? Data()
    }

    /// SHA-256 of each file, hex; "" for a missing file when `missingAllowed`.
    static func hashFiles(_ urls: [URL], progress: ProgressReporter?, missingAllowed: Bool = false) throws -> [String] {
        try ParallelMap.map(urls.indices) { index in
            defer { progress?.advance() }
            let url = urls[index]
            if missingAllowed && !FileManager.default.fileExists(atPath: url.path) { return "" }
            return try ContentHash.sha256Hex(ofFileAt: url.path)
        }
    }
}

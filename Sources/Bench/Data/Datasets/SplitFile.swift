import Foundation

/// A train/validation/test split taken from files rather than cut by `runSplits`, so that results
/// compare with published ones measured on the same images. Two forms are read:
/// - the JSON that published tuberculosis benchmarks ship (Idiap's mednet, e.g.
///   `mednet/config/classify/data/montgomery/default.json` or `fold-3.json`):
///   `{"train": [["CXR_png/MCUCXR_0023_0.png", 0], ...], "validation": [...], "test": [...]}`,
///   any of the three keys, one file per split or fold;
/// - Zoo's own manifests (`Manifest`, one split per file, e.g. `train.manifest.json`), whose
///   hashes are checked against the files.
///
/// Paths are matched against the dataset's images exactly, or else as the unique image whose path
/// ends with them: mednet's paths are relative to one set's folder (`CXR_png/...`) while a Zoo
/// dataset root may hold Shenzhen and Montgomery side by side.
public struct SplitFile: Sendable {
    /// One file read, with the SHA-256 of its bytes.
    public struct Source: Sendable, Codable, Equatable {
        public let path: String
        public let sha256: String
    }

    /// The split names a file may use, in the order runs use them.
    public static let splitNames = ["train", "validation", "test"]

    public let sources: [Source]
    /// The splits, in `splitNames` order, with the dataset's paths and labels.
    public let splits: [Split]

    /// For provenance: the file's SHA-256 (what `sha256sum` prints) when there is one file; for
    /// several, the SHA-256 of their digests, one per line in the order given.
    public var digest: String {
        sources.count == 1 ? sources[0].sha256 : ContentHash.sha256Hex(of: Data(sources.map(\.sha256).joined(separator: "\n").utf8))
    }

    /// `dataset` with its splits replaced by these (for `describe` and the batch loader).
    public func applied(to dataset: Dataset) -> Dataset {
        Dataset(layout: dataset.layout, root: dataset.root, classNames: dataset.classNames, splits: splits, ignored: dataset.ignored)
    }

    /// Reads one file against `dataset`.
    public static func read(_ url: URL, against dataset: Dataset) throws -> SplitFile {
        try read([url], against: dataset)
    }

    /// Reads files and joins their splits in the order given: Zoo's `train`/`validation`/`test`
    /// manifests, or several mednet files whose same-named splits are concatenated (mednet's
    /// `montgomery_shenzhen` split is Montgomery's `default.json` then Shenzhen's). Checks every entry
    /// against `dataset`: the image exists, its label agrees with the dataset's (for
    /// Shenzhen/Montgomery, the file name's `_0`/`_1` suffix), no image is listed twice (two folds of
    /// one set given together fail here), no split is empty; manifests' hashes match.
    public static func read(_ urls: [URL], against dataset: Dataset) throws -> SplitFile {
        guard !urls.isEmpty else {
            throw DataError(file: "<split>", kind: .badArgument, problem: "no split file given")
        }
        let resolver = PathResolver(dataset)
        var sources: [Source] = [], splits: [String: [LabeledImage]] = [:]
        var seen: [String: (file: String, place: String)] = [:]  // dataset path -> the entry that listed it
        for url in urls {
            let bytes: Data
            do { bytes = try Data(contentsOf: url) } catch {
                throw DataError(file: url.path, kind: .unreadable, problem: "cannot read the split file")
            }
            sources.append(Source(path: url.path, sha256: ContentHash.sha256Hex(of: bytes)))
            for (name, entries) in try parse(bytes, file: url.path) {
                guard !entries.isEmpty else {
                    throw DataError(file: url.path, kind: .badSplitFile, problem: "split '\(name)' is empty")
                }
                func failure(_ index: Int) -> (String) -> DataError {
                    { DataError(file: url.path, kind: .badSplitFile, problem: "entry \(name)[\(index)] (\(entries[index].path)): \($0)") }
                }
                var images: [LabeledImage] = []
                for (index, entry) in entries.enumerated() {
                    let place = "\(name)[\(index)]", fail = failure(index)
                    let image = try resolver.image(for: entry.path, fail: fail)
                    try checkLabel(entry.label, of: image, in: dataset, fail: fail)
                    if let other = seen[image.path] {
                        throw fail(other.file == url.path ? "listed again; \(other.place) already has it" : "also listed by \(other.file): \(other.place)")
                    }
                    seen[image.path] = (url.path, place)
                    images.append(image)
                }
                // A manifest's hashes, checked on all cores once every entry is known to be in the folder.
                if entries.allSatisfy({ $0.sha256 != nil }) {
                    let hashes = try Manifest.hashFiles(images.map(dataset.url(of:)), progress: nil, missingAllowed: true)
                    if let index = entries.indices.first(where: { entries[$0].sha256 != hashes[$0] }) {
                        throw failure(index)("the file changed since the manifest was made")
                    }
                }
                splits[name, default: []] += images
            }
        }
        let ordered = splitNames.compactMap { name in splits[name].map { Split(name: name, images: $0) } }
        return SplitFile(sources: sources, splits: ordered)
    }

    // MARK: Parsing

    /// One listed image as the file gives it; `sha256` only in Zoo manifests.
    struct Entry {
        let path: String
        let label: Int
        let sha256: String?
    }

    /// The file's splits in the order of `splitNames`.
    static func parse(_ bytes: Data, file: String) throws -> [(String, [Entry])] {
        let decoder = JSONDecoder()
        do {
            if try decoder.decode(Probe.self, from: bytes).format != nil {
                let manifest = try decoder.decode(Manifest.self, from: bytes)
                guard manifest.format == Manifest.currentFormat else {
                    throw DataError(file: file, kind: .badSplitFile, problem: "manifest format \(manifest.format), expected \(Manifest.currentFormat)")
                }
                try checkNames([manifest.split], file: file)
                return [(manifest.split, manifest.images.map { Entry(path: $0.path, label: $0.label, sha256: $0.sha256) })]
            }
            let published = try decoder.decode([String: [PublishedEntry]].self, from: bytes)
            try checkNames(Array(published.keys), file: file)
            return splitNames.compactMap { name in published[name].map { (name, $0.map { Entry(path: $0.path, label: $0.label, sha256: nil) }) } }
        } catch let error as DecodingError {
            throw DataError(file: file, kind: .badSplitFile, problem: explain(error, in: bytes))
        }
    }

    /// mednet's `[relative path, label]` pair.
    private struct PublishedEntry: Decodable {
        let path: String
        let label: Int

        init(from decoder: Decoder) throws {
            var pair = try decoder.unkeyedContainer()
            path = try pair.decode(String.self)
            label = try pair.decode(Int.self)
            guard pair.isAtEnd else {
                throw DecodingError.dataCorruptedError(in: pair, debugDescription: "expected [path, label], found more than two items")
            }
        }
    }

    private static func checkNames(_ names: [String], file: String) throws {
        let unknown = names.filter { !splitNames.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw DataError(file: file, kind: .badSplitFile,
                            problem: "unknown split \(unknown.map { "'\($0)'" }.joined(separator: ", ")); expected \(splitNames.joined(separator: ", "))")
        }
    }

    /// The decoder's complaint in the file's terms: where (`train[3]`, or the decoder's line and
    /// column for a syntax error) and what.
    private static func explain(_ error: DecodingError, in bytes: Data) -> String {
        let (context, what): (DecodingError.Context, String) = switch error {
        case .typeMismatch(let type, let context): (context, "expected \(describe(type))")
        case .valueNotFound(let type, let context): (context, "expected \(describe(type)), found null or nothing")
        case .keyNotFound(let key, let context): (context, "missing key '\(key.stringValue)'")
        case .dataCorrupted(let context): (context, "")
        @unknown default: (DecodingError.Context(codingPath: [], debugDescription: "\(error)"), "")
        }
        var place = ""
        for key in context.codingPath {
            place += key.intValue.map { "[\($0)]" } ?? (place.isEmpty ? key.stringValue : ".\(key.stringValue)")
        }
        let detail = [what, context.debugDescription].filter { !$0.isEmpty }.joined(separator: ": ")
        if place.isEmpty {
            return what.isEmpty ? "not valid JSON\(syntaxErrorPlace(in: bytes))"
                : "expected an object with \(splitNames.joined(separator: "/")) lists of [path, label] (\(detail))"
        }
        return "entry \(place): \(detail)"
    }

    /// " at line L, column C: what" for a syntax error. JSONDecoder on Linux says only that the data
    /// is not valid JSON; JSONSerialization names the byte offset ("around character 36").
    private static func syntaxErrorPlace(in bytes: Data) -> String {
        do { _ = try JSONSerialization.jsonObject(with: bytes) } catch {
            guard let what = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String else { return "" }
            guard let offset = what.split(separator: " ").last.flatMap({ Int($0.filter(\.isNumber)) }), offset <= bytes.count else {
                return ": \(what)"
            }
            let before = bytes.prefix(offset)
            let line = before.count(where: { $0 == UInt8(ascii: "\n") }) + 1
            let column = offset - (before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
            return " at line \(line), column \(column): \(what)"
        }
        return ""
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string (the image path)"
        case is Int.Type: "an integer label"
        case is [String: [PublishedEntry]].Type, is Probe.Type: "an object with train/validation/test lists"
        default: "\(type)"
        }
    }

    private struct Probe: Decodable { let format: String? }

    // MARK: Checking

    private static func checkLabel(_ label: Int, of image: LabeledImage, in dataset: Dataset,
                                   fail: (String) -> DataError) throws {
        guard dataset.classNames.indices.contains(label) else {
            let classes = dataset.classNames.enumerated().map { "\($0.offset) = \($0.element)" }.joined(separator: ", ")
            throw fail("label \(label) is not a class of this dataset (\(classes))")
        }
        guard label == image.label else {
            throw fail(dataset.layout == .tuberculosis
                ? "label \(label) contradicts the file name's _\(image.label) suffix"
                : "label \(label) contradicts the dataset's class \(image.label) (\(dataset.classNames[image.label])) for this file")
        }
    }

    /// Finds a listed path among the dataset's images: exactly, or as the one image whose path
    /// ends with `/` and it.
    private struct PathResolver {
        private var images: [String: [LabeledImage]] = [:]

        init(_ dataset: Dataset) {
            for image in dataset.allImages {
                let components = image.path.split(separator: "/")
                for start in components.indices {
                    images[components[start...].joined(separator: "/"), default: []].append(image)
                }
            }
        }

        func image(for listed: String, fail: (String) -> DataError) throws -> LabeledImage {
            let key = listed.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
            let matches = images[key] ?? []
            if let exact = matches.first(where: { $0.path == key }) { return exact }
            guard let first = matches.first else { throw fail("no such image in the dataset folder") }
            guard matches.count == 1 else {
                throw fail("matches \(matches.count) images (\(matches.prefix(3).map(\.path).joined(separator: ", "))); give more of the path")
            }
            return first
        }
    }
}

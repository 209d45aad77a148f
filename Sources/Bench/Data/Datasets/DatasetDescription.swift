import Foundation

/// What `zoo data describe` reports: class counts per split, image sizes and storage, unreadable
/// or corrupt files, and duplicates (the same bytes twice), including the same file in two splits
/// (the DermMel leakage, docs/notebooks.md "Data"). Every file is fully decoded and hashed.
public struct DatasetDescription: Sendable, Codable {
    public struct SplitCounts: Sendable, Codable {
        public let split: String
        public let classCounts: [Int]
    }

    public struct Tally: Sendable, Codable {
        public let value: String
        public let count: Int
    }

    public struct BadFile: Sendable, Codable {
        public let path: String
        public let problem: String
    }

    public struct Duplicate: Sendable, Codable {
        public let sha256: String
        /// "split: path" for each copy.
        public let copies: [String]
        /// True when the copies are in more than one split: test images seen in training.
        public let crossesSplits: Bool
    }

    public let root: String
    public let layout: DatasetLayout
    public let classes: [String]
    public let splits: [SplitCounts]
    public let sizes: [Tally]
    public let storage: [Tally]
    public let bad: [BadFile]
    public let duplicates: [Duplicate]
    public let ignored: [String]

    /// What reading and decoding one image found: its bytes' SHA-256 (empty when not hashed or unreadable), its
    /// header, or why it does not decode.
    public struct ImageFacts: Sendable {
        public let sha256: String
        public let info: ImageInfo?
        public let problem: String?
    }

    /// Reads and fully decodes every image of `images` once, on all cores, hashing its bytes when asked: what
    /// `describe` reports and what `zoo train` checks up front (Keras would only find a bad file when a batch
    /// reached it, mid-run). A file that cannot be read or decoded is a problem, not an error.
    public static func examine(_ images: [LabeledImage], of dataset: Dataset, hashing: Bool, decoder: ImageDecoder = ImageDecoder(),
                               progress: ProgressReporter? = nil) throws -> [ImageFacts] {
        try ParallelMap.map(images.indices) { index in
            defer { progress?.advance() }
            let url = dataset.url(of: images[index])
            guard let bytes = try? ImageDecoder.read(url) else {
                return ImageFacts(sha256: "", info: nil, problem: "cannot read the file")
            }
            let hash = hashing ? ContentHash.sha256Hex(of: bytes) : ""
            do {
                return ImageFacts(sha256: hash, info: try decoder.decode(bytes, file: url.path).info, problem: nil)
            } catch let error as DataError {
                return ImageFacts(sha256: hash, info: nil, problem: error.problem)
            }
        }
    }

    /// Decodes and hashes every image of `dataset` on all cores.
    public static func describe(_ dataset: Dataset, decoder: ImageDecoder = ImageDecoder(),
                                progress: ProgressReporter? = nil) throws -> DatasetDescription {
        let entries = dataset.splits.flatMap { split in split.images.map { (split: split.name, image: $0) } }
        let facts = try examine(entries.map(\.image), of: dataset, hashing: true, decoder: decoder, progress: progress)
        var sizes: [String: Int] = [:], storage: [String: Int] = [:], copies: [String: [(split: String, path: String)]] = [:]
        var bad: [BadFile] = []
        for (entry, fact) in zip(entries, facts) {
            if let problem = fact.problem { bad.append(BadFile(path: entry.image.path, problem: problem)) }
            if let info = fact.info {
                sizes["\(info.width)x\(info.height)", default: 0] += 1
                let interlaced = info.interlaced ? (info.format == .png ? ", interlaced" : ", progressive") : ""
                storage["\(info.format.rawValue.uppercased()) \(info.color.rawValue) \(info.bitDepth)-bit\(interlaced)", default: 0] += 1
            }
            if !fact.sha256.isEmpty { copies[fact.sha256, default: []].append((entry.split, entry.image.path)) }
        }
        let duplicates = copies.filter { $0.value.count > 1 }.map { hash, members in
            Duplicate(sha256: hash, copies: members.map { "\($0.split): \($0.path)" },
                      crossesSplits: Set(members.map(\.split)).count > 1)
        }.sorted { DatasetReader.precedes($0.copies[0], $1.copies[0]) }
        func tallies(_ counts: [String: Int]) -> [Tally] {
            counts.map { Tally(value: $0.key, count: $0.value) }.sorted { ($0.count, $1.value) > ($1.count, $0.value) }
        }
        return DatasetDescription(
            root: dataset.root.path, layout: dataset.layout, classes: dataset.classNames,
            splits: dataset.splits.map { SplitCounts(split: $0.name, classCounts: $0.classCounts(classCount: dataset.classNames.count)) },
            sizes: tallies(sizes), storage: tallies(storage), bad: bad, duplicates: duplicates, ignored: dataset.ignored)
    }

    public var crossSplitDuplicates: Int { duplicates.filter(\.crossesSplits).count }

    /// Markdown tables for the terminal and for reports.
    public func markdown(listLimit: Int = 20) -> String {
        var lines = ["# \(root)", "", "Layout: \(layout.displayName). Classes (index order): "
            + classes.enumerated().map { "\($0.offset) = \($0.element)" }.joined(separator: ", ") + ".", ""]
        lines += ["| split | " + classes.joined(separator: " | ") + " | total |",
                  "|---|" + String(repeating: "---|", count: classes.count + 1)]
        for split in splits {
            lines.append("| \(split.split) | " + split.classCounts.map(String.init).joined(separator: " | ")
                + " | \(split.classCounts.reduce(0, +)) |")
        }
        func table(_ title: String, _ tallies: [Tally]) {
            lines += ["", "| \(title) | images |", "|---|---|"]
            lines += tallies.prefix(listLimit).map { "| \($0.value) | \($0.count) |" }
            if tallies.count > listLimit { lines.append("| (\(tallies.count - listLimit) more) | |") }
        }
        lines += sizeLines()
        table("storage", storage)
        lines += ["", "Unreadable or corrupt files: \(bad.count)."]
        lines += bad.prefix(listLimit).map { "- \($0.path): \($0.problem)" }
        lines += ["", "Duplicate files (same SHA-256): \(Self.counted(duplicates.count, "group")), \(crossSplitDuplicates) across splits."]
        lines += duplicates.prefix(listLimit).map {
            "- \($0.crossesSplits ? "ACROSS SPLITS " : "")\($0.sha256.prefix(12)): " + $0.copies.joined(separator: ", ")
        }
        if !ignored.isEmpty {
            lines += ["", "Files passed over (not images of this layout): \(ignored.count)."]
            lines += ignored.prefix(listLimit).map { "- \($0)" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Image sizes: a table while there are a few distinct ones (a curated set has one or two), else the range and
    /// median of widths and heights and the commonest sizes, so 20 photographs of 20 sizes take four lines, not 20.
    private func sizeLines(distinctLimit: Int = 5) -> [String] {
        var lines = ["", "| size (width x height) | images |", "|---|---|"]
        guard sizes.count > distinctLimit else { return lines + sizes.map { "| \($0.value) | \($0.count) |" } }
        let dimensions = sizes.flatMap { tally -> [(Int, Int)] in
            let parts = tally.value.split(separator: "x").compactMap { Int($0) }
            return parts.count == 2 ? Array(repeating: (parts[0], parts[1]), count: tally.count) : []
        }
        func range(_ values: [Int]) -> String {
            let sorted = values.sorted()
            return "\(sorted.first ?? 0) / \(sorted.isEmpty ? 0 : sorted[sorted.count / 2]) / \(sorted.last ?? 0)"
        }
        lines = ["", "Image sizes: \(sizes.count) distinct. Width min / median / max: \(range(dimensions.map(\.0))); height: \(range(dimensions.map(\.1))).",
                 "", "| commonest sizes (width x height) | images |", "|---|---|"]
        lines += sizes.prefix(distinctLimit).map { "| \($0.value) | \($0.count) |" }
        let rest = sizes.dropFirst(distinctLimit).reduce(0) { $0 + $1.count }
        return lines + ["| (\(Self.counted(sizes.count - distinctLimit, "other size"))) | \(rest) |"]
    }

    /// "1 group", "2 groups".
    static func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

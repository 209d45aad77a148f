import Foundation

extension Dataset {
    /// The splits a run trains and measures on: the layout's own when it has them (DermMel's
    /// train/validation/test, the notebooks' Train/Test class folders), otherwise seeded stratified
    /// train/validation/test parts (Shenzhen/Montgomery, plain class folders).
    public func runSplits(validationFraction: Double, testFraction: Double, seed: UInt64) throws -> [Split] {
        if splits.count > 1 { return splits }
        return try StratifiedSplitter(seed: seed).split(allImages, into: [
            ("train", 1 - validationFraction - testFraction), ("validation", validationFraction), ("test", testFraction),
        ])
    }
}

extension Manifest {
    /// Hashes and writes one manifest per split, `<directory>/<split>.manifest.json`, and returns them.
    public static func writeAll(_ splits: [Split], of dataset: Dataset, to directory: URL,
                                progress: ProgressReporter? = nil) throws -> [Manifest] {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DataError(file: directory.path, kind: .writeFailed, problem: "cannot create the folder")
        }
        return try splits.map { split in
            let manifest = try Manifest.make(split, of: dataset, progress: progress)
            try manifest.write(to: directory.appendingPathComponent("\(split.name).manifest.json"))
            return manifest
        }
    }
}

import Foundation

/// Writes small synthetic datasets as real files in the real layouts (PNG through libpng, JPEG
/// through libjpeg), deterministic for a seed: the same arguments give byte-identical files.
public enum SyntheticDatasetWriter {
    public enum Kind: String, Sendable, CaseIterable {
        case tb
        case melanoma
    }

    /// Writes `count` images of `kind` under `root` and returns the relative paths written.
    @discardableResult
    public static func write(_ kind: Kind, to root: URL, count: Int, seed: UInt64,
                             progress: ProgressReporter? = nil) throws -> [String] {
        guard count >= 2 else {
            throw DataError(file: root.path, kind: .badArgument, problem: "--count must be at least 2 (one per class), got \(count)")
        }
        let plan = self.plan(kind, count: count, seed: seed)
        let directories = Set(plan.map { root.appendingPathComponent($0.path).deletingLastPathComponent().path })
        for directory in directories {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw DataError(file: directory, kind: .writeFailed, problem: "cannot create the folder")
            }
        }
        _ = try ParallelMap.map(plan.indices) { index in
            defer { progress?.advance() }
            let item = plan[index], url = root.appendingPathComponent(item.path)
            do {
                try AtomicFile.write(try item.render(), to: url)
            } catch let error as DataError {
                throw DataError(file: url.path, kind: error.kind, problem: error.problem)
            }
        }
        return plan.map(\.path)
    }

    /// How many files `write` creates (images plus the TB set's text files and mask), for progress.
    public static func fileCount(_ kind: Kind, count: Int) -> Int {
        plan(kind, count: count, seed: 0).count
    }

    static func plan(_ kind: Kind, count: Int, seed: UInt64) -> [Item] {
        kind == .tb ? tuberculosisPlan(count: count, seed: seed) : melanomaPlan(count: count, seed: seed)
    }

    /// One file to write: where, and how to make its bytes.
    struct Item: Sendable {
        let path: String
        let render: @Sendable () throws -> Data
    }

    /// Labels for `count` images, half of each class, in a seeded order.
    static func balancedLabels(count: Int, seed: UInt64, stream: UInt64) -> [Int] {
        var labels = (0..<count).map { $0 % 2 }
        var generator = SeededGenerator(seed: seed, stream: [stream])
        generator.shuffle(&labels)
        return labels
    }

    /// Shenzhen-like 8-bit PNGs and, for about a sixth of the images (138 of 800 in the real union),
    /// Montgomery-like 16-bit PNGs holding 12-bit values; sizes vary from 256 to 400 pixels a side.
    /// Clinical-reading text files and a lung mask are written too, as in the real sets, to be ignored.
    static func tuberculosisPlan(count: Int, seed: UInt64) -> [Item] {
        let labels = balancedLabels(count: count, seed: seed, stream: 10)
        let montgomery = count >= 6 ? max(1, count * 138 / 800) : 0
        var items: [Item] = []
        for (index, label) in labels.enumerated() {
            let isMontgomery = index >= count - montgomery
            let number = isMontgomery ? index - (count - montgomery) + 1 : index + 1
            let name = String(format: "%@_%04d_%d", isMontgomery ? "MCUCXR" : "CHNCXR", number, label)
            let folder = isMontgomery ? "MontgomerySet" : "ChinaSet_AllFiles"
            items.append(Item(path: "\(folder)/CXR_png/\(name).png") {
                var generator = SeededGenerator(seed: seed, stream: [11, UInt64(index)])
                let width = 256 + generator.index(below: 145), height = 256 + generator.index(below: 145)
                let pixels = ChestXRaySynthesizer(width: width, height: height).draw(tuberculosis: label == 1, using: &generator)
                if isMontgomery {
                    return try ImageEncoder.png(.gray16(pixels.map { UInt16(($0 * 4095).rounded()) }), width: width, height: height)
                }
                return try ImageEncoder.png(.gray8(pixels.map { UInt8(($0 * 255).rounded()) }), width: width, height: height)
            })
            let reading = label == 1 ? "male 35yrs\nPTB in the right upper field\n" : "female 41yrs\nnormal\n"
            items.append(Item(path: "\(folder)/ClinicalReadings/\(name).txt") { Data(reading.utf8) })
            if isMontgomery && number == 1 {
                items.append(Item(path: "\(folder)/ManualMask/leftMask/\(name).png") {
                    try ImageEncoder.png(.gray8([UInt8](repeating: 255, count: 64 * 64)), width: 64, height: 64)
                })
            }
        }
        return items
    }

    /// 600x450 RGB JPEGs (HAM10000's size) in DermMel's folders, split 60/20/20 per class. Some
    /// melanoma files are named like DermMel's augmented copies (`AUG_0_17.jpeg`).
    static func melanomaPlan(count: Int, seed: UInt64) -> [Item] {
        let labels = balancedLabels(count: count, seed: seed, stream: 20)
        let splitter = StratifiedSplitter(seed: seed)
        let splitSizes = (0..<2).map { label in
            splitter.apportion(labels.filter { $0 == label }.count, fractions: [0.6, 0.2, 0.2])
        }
        var seen = [0, 0]
        var items: [Item] = []
        for (index, label) in labels.enumerated() {
            seen[label] += 1
            let sizes = splitSizes[label]
            let split = seen[label] <= sizes[0] ? "train_sep" : seen[label] <= sizes[0] + sizes[1] ? "valid" : "test"
            let className = label == 0 ? "Melanoma" : "NotMelanoma"
            let name = label == 0 && index % 3 == 0 ? "AUG_0_\(index).jpeg" : String(format: "ISIC_%07d.jpg", 24306 + index)
            items.append(Item(path: "DermMel/\(split)/\(className)/\(name)") {
                var generator = SeededGenerator(seed: seed, stream: [21, UInt64(index)])
                let pixels = LesionSynthesizer(width: 600, height: 450).draw(melanoma: label == 0, using: &generator)
                return try ImageEncoder.jpeg(.rgb8(pixels), width: 600, height: 450, quality: 90)
            })
        }
        return items
    }
}

/// Seeded, stratified splits for layouts that have none (Shenzhen/Montgomery, plain class folders):
/// each class is shuffled on its own and cut in the same proportions, so every split keeps the
/// class balance. The same images, fractions and seed always give the same splits.
public struct StratifiedSplitter: Sendable {
    public var seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
    }

    /// Cuts `images` into named parts of the given fractions (which must add up to 1). Each class's
    /// count is apportioned by largest remainder, so part sizes differ from the exact fraction by
    /// less than one image per class. Each part lists its images in path order.
    public func split(_ images: [LabeledImage], into parts: [(name: String, fraction: Double)]) throws -> [Split] {
        let total = parts.reduce(0) { $0 + $1.fraction }
        guard !parts.isEmpty, parts.allSatisfy({ $0.fraction >= 0 }), abs(total - 1) < 1e-9 else {
            throw DataError(file: "<split>", kind: .badArgument, problem: "split fractions \(parts.map(\.fraction)) must be non-negative and add up to 1")
        }
        var assigned = [[LabeledImage]](repeating: [], count: parts.count)
        for (_, members) in shuffledClasses(images) {
            let counts = apportion(members.count, fractions: parts.map(\.fraction))
            var start = 0
            for (part, count) in counts.enumerated() {
                assigned[part] += members[start..<start + count]
                start += count
            }
        }
        return zip(parts, assigned).map { Split(name: $0.name, images: $1.sorted { DatasetReader.precedes($0.path, $1.path) }) }
    }

    /// k stratified folds: fold i is the validation part of the i-th (train, validation) pair.
    public func folds(_ images: [LabeledImage], count k: Int) throws -> [(train: Split, validation: Split)] {
        guard k >= 2 else {
            throw DataError(file: "<split>", kind: .badArgument, problem: "k-fold needs at least 2 folds, got \(k)")
        }
        var folds = [[LabeledImage]](repeating: [], count: k)
        var next = 0  // continue round-robin across classes so fold sizes differ by at most one
        for (_, members) in shuffledClasses(images) {
            for image in members {
                folds[next % k].append(image)
                next += 1
            }
        }
        let order: (LabeledImage, LabeledImage) -> Bool = { DatasetReader.precedes($0.path, $1.path) }
        return (0..<k).map { fold in
            let train = folds.enumerated().filter { $0.offset != fold }.flatMap(\.element)
            return (Split(name: "train-fold\(fold)", images: train.sorted(by: order)),
                    Split(name: "validation-fold\(fold)", images: folds[fold].sorted(by: order)))
        }
    }

    /// Each class's images in path order, then shuffled with a generator for that class alone.
    private func shuffledClasses(_ images: [LabeledImage]) -> [(Int, [LabeledImage])] {
        let byClass = Dictionary(grouping: images, by: \.label)
        return byClass.keys.sorted().map { label in
            var members = byClass[label]!.sorted { DatasetReader.precedes($0.path, $1.path) }
            var generator = SeededGenerator(seed: seed, stream: [UInt64(label)])
            generator.shuffle(&members)
            return (label, members)
        }
    }

    /// Largest-remainder apportionment of `count` items to `fractions`.
    func apportion(_ count: Int, fractions: [Double]) -> [Int] {
        let exact = fractions.map { $0 * Double(count) }
        var counts = exact.map { Int($0.rounded(.down)) }
        let byRemainder = exact.indices.sorted { (exact[$0] - Double(counts[$0]), -$0) > (exact[$1] - Double(counts[$1]), -$1) }
        for index in byRemainder.prefix(count - counts.reduce(0, +)) { counts[index] += 1 }
        return counts
    }
}

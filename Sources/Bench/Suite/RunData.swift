import Foundation

/// How a run draws its images and selects its model (docs/bench.md, "Protocols").
public enum BenchProtocol: String, Sendable, CaseIterable, Codable {
    /// The notebooks' mechanics, mistakes included: the TB test folder as validation, augmented, scored on a
    /// rotating window (`validation_steps = n // bs`); `steps_per_epoch = n // bs`; the recipe's callbacks verbatim;
    /// the last epoch's model is the one that counts.
    case seed
    /// What a paper should report: stratified train/validation/test splits; the model and the decision threshold
    /// chosen on validation only; no augmentation at evaluation; the test set scored once.
    case clean
}

/// The images one run trains on, selects on and is scored on, as its protocol draws them from a dataset.
public struct RunData: Sendable {
    public let dataset: Dataset
    public let train: Split
    public let validation: Split
    public let test: Split
    /// The seed protocol scores the TB validation set through the training generator, as the notebooks did.
    public let augmentValidation: Bool
    /// `n // bs` batches per epoch and per validation (Keras 2.2's `fit_generator` as the notebooks called it), or
    /// whole passes.
    public let roundStepsDown: Bool
    /// The class whose probability is the score: tuberculosis, melanoma.
    public let positiveClass: Int
    /// What the test numbers are measured on, for the tables.
    public let evaluationSet: String
    public let notes: [String]

    /// The seed with which a layout without splits of its own is cut, the same for every run, so that every run
    /// and every model is scored on the same test images (paired comparisons need that).
    public static let splitSeed: UInt64 = 2019

    /// Where a run's splits come from beyond the protocol's own rule.
    public enum Partition: Sendable {
        /// The layout's own splits, or the protocol's seeded cut.
        case standard
        /// A published split (`--split`): the clean protocol uses its train/validation/test as they are; the seed
        /// protocol uses its train and test parts as the notebooks' Train and Test folders.
        case file(SplitFile)
        /// Fold `index` of `count` (`--folds`, clean protocol): stratified folds over every image; the fold is the test
        /// set, and the rest is cut 85/15 into train and validation, all with the split seed.
        case fold(index: Int, count: Int)

        /// The fold a run records, when it has one.
        public var fold: Int? {
            if case .fold(let index, _) = self { return index }
            return nil
        }
    }

    public init(_ benchProtocol: BenchProtocol, dataset original: Dataset, kind: Recipe.DatasetKind,
                partition: Partition = .standard) throws {
        var notes: [String] = []
        let dataset: Dataset
        switch partition {
        case .standard:
            dataset = original
        case .file(let file):
            dataset = file.applied(to: original)
            let names = Set(file.splits.map(\.name))
            let needed: Set<String> = benchProtocol == .clean ? ["train", "validation", "test"] : ["train", "test"]
            guard needed.isSubset(of: names) else {
                throw BenchError("\(file.sources.map(\.path).joined(separator: ", ")): the \(benchProtocol.rawValue) protocol needs the splits \(needed.sorted()), the file has \(names.sorted())")
            }
            notes.append("split from \(file.sources.map { URL(fileURLWithPath: $0.path).lastPathComponent }.joined(separator: " + ")) (sha256 \(file.digest.prefix(12)))")
        case .fold(let index, let count):
            guard benchProtocol == .clean else { throw BenchError("--folds applies to the clean protocol only (the seed protocol keeps the notebooks' folders)") }
            guard (0..<count).contains(index) else { throw BenchError("fold \(index) of \(count) does not exist") }
            let folds = try StratifiedSplitter(seed: Self.splitSeed).folds(original.allImages, count: count)
            let parts = try StratifiedSplitter(seed: Self.splitSeed).split(folds[index].train.images, into: [("train", 0.85), ("validation", 0.15)])
            dataset = Dataset(layout: original.layout, root: original.root, classNames: original.classNames,
                              splits: parts + [Split(name: "test", images: folds[index].validation.images)], ignored: original.ignored)
            notes.append("clean protocol, fold \(index) of \(count) (counted from 0): stratified folds (seed \(Self.splitSeed)); the rest cut 85/15 into train and validation")
        }
        self.dataset = dataset
        let positiveName = kind == .tb ? ["tuberculosis", "1", "TB", "tb"] : ["Melanoma", "melanoma"]
        guard let positive = dataset.classNames.firstIndex(where: positiveName.contains), dataset.classNames.count == 2 else {
            throw BenchError("\(dataset.root.path): a \(kind.rawValue) dataset needs two classes, one of them \(positiveName[0]) (found \(dataset.classNames))")
        }
        positiveClass = positive
        func split(_ names: [String]) -> Split? { names.lazy.compactMap(dataset.split(named:)).first }

        switch (benchProtocol, kind) {
        case (.seed, .tb):
            // The notebooks' Train/Test class folders when the dataset has them; otherwise the author's unpublished
            // 721/79 cut of Shenzhen + Montgomery, reproduced in proportion.
            let parts: [Split]
            if let train = split(["Train", "train"]), let test = split(["Test", "test"]) {
                parts = [train, test]
            } else {
                parts = try StratifiedSplitter(seed: Self.splitSeed).split(dataset.allImages, into: [("train", 721.0 / 800), ("test", 79.0 / 800)])
                notes.append("seed protocol: the author's 721/79 split is unpublished; a stratified cut in the same proportion (seed \(Self.splitSeed))")
            }
            train = parts[0]; validation = parts[1]; test = parts[1]
            augmentValidation = true
            roundStepsDown = true
            evaluationSet = "the test folder (\(parts[1].images.count) images), un-augmented; the seed protocol also validated on it, as the notebooks did, so it is not independent"
        case (.seed, .melanoma):
            guard let train = split(["train_sep", "train"]), let valid = split(["valid", "validation"]), let test = split(["test"]) else {
                throw BenchError("\(dataset.root.path): the melanoma seed protocol needs DermMel's train_sep, valid and test folders")
            }
            self.train = train; validation = valid; self.test = test
            augmentValidation = false
            roundStepsDown = true
            evaluationSet = "DermMel's test folder (\(test.images.count) images), never seen in training or validation"
        case (.clean, _):
            let parts = dataset.splits.count >= 3 ? dataset.splits : try StratifiedSplitter(seed: Self.splitSeed).split(
                dataset.allImages, into: [("train", 0.7), ("validation", 0.15), ("test", 0.15)])
            if dataset.splits.count < 3 { notes.append("clean protocol: stratified 70/15/15 split (seed \(Self.splitSeed))") }
            guard let train = parts.first(where: { ["train", "train_sep", "Train"].contains($0.name) }),
                  let valid = parts.first(where: { ["validation", "valid"].contains($0.name) }),
                  let test = parts.first(where: { ["test", "Test"].contains($0.name) }) else {
                throw BenchError("\(dataset.root.path): splits \(parts.map(\.name)) lack a train, validation or test part")
            }
            self.train = train; validation = valid; self.test = test
            augmentValidation = false
            roundStepsDown = false
            evaluationSet = "held-out test split (\(test.images.count) images), scored once; model and threshold chosen on validation"
        }
        for part in [train, validation, test] where part.images.isEmpty {
            throw BenchError("\(dataset.root.path): the \(part.name) split is empty; the dataset is too small for the \(benchProtocol.rawValue) protocol")
        }
        self.notes = notes
    }

    /// Batches per epoch over `split` at `batchSize`.
    public func steps(_ split: Split, batchSize: Int) -> Int {
        roundStepsDown ? max(1, split.images.count / batchSize) : (split.images.count + batchSize - 1) / batchSize
    }
}

import ArgumentParser
import Bench
import Foundation
import Tensor
import Training

/// `zoo train`'s images: a folder of Keras class folders checked against the model before any training, its
/// unreadable images found up front (skipped or fatal), and batches streamed to the fit loop.
struct TrainingData {
    enum BadImages: String, ExpressibleByArgument, CaseIterable {
        /// Leave them out of the run and say which.
        case skip
        /// Stop before training, naming the first.
        case fail
    }

    let dataset: Dataset
    let split: Split
    /// Images that failed to decode and were left out (`--bad-images skip`): relative to the folder, the file
    /// itself, and the reason.
    let skipped: [(path: String, file: String, problem: String)]

    /// Reads `directory` as class folders (Keras' `flow_from_directory` order: sorted names) and checks that it
    /// has exactly `classes` of them, named as `expectedNames` when given (the training set's, for validation),
    /// none empty; then decodes every image once (an image that does not decode is skipped or fatal now, not
    /// found by a batch mid-run).
    init(_ directory: String, option: String, classes: Int, outputName: String, expectedNames: [String]?, badImages: BadImages) throws {
        dataset = try DatasetReader.read(URL(fileURLWithPath: directory), layout: .classFolders)
        guard dataset.splits.count == 1, let split = dataset.splits.first else {
            throw CommandFailure("\(directory): \(option) holds split folders (\(dataset.splits.map(\.name).joined(separator: ", "))); pass one of them")
        }
        let names = dataset.classNames
        guard names.count == classes else {
            throw CommandFailure("\(directory): \(names.count) class folder(s) (\(names.joined(separator: ", "))), but the model's output '\(outputName)' has \(classes) units")
        }
        if let expectedNames, expectedNames != names {
            throw CommandFailure("\(directory): class folders \(names) differ from the training data's \(expectedNames)")
        }
        for (label, count) in split.classCounts(classCount: names.count).enumerated() where count == 0 {
            throw CommandFailure("\(dataset.root.appendingPathComponent(names[label]).path): empty class folder (no \(DatasetReader.kerasExtensions.joined(separator: "/")) images)")
        }
        let problems = try DatasetDescription.examine(split.images, of: dataset, hashing: false, progress: ProgressReporter(
            "checking \((dataset.root.path as NSString).lastPathComponent) images", total: split.images.count)).map(\.problem)
        var kept: [LabeledImage] = [], skipped: [(String, String, String)] = []
        for (image, problem) in zip(split.images, problems) {
            guard let problem else { kept.append(image); continue }
            let file = dataset.url(of: image).path
            guard badImages == .skip else {
                throw CommandFailure("\(file): \(problem) (an image that does not decode; --bad-images skip leaves such files out)")
            }
            skipped.append((image.path, file, problem))
        }
        guard !kept.isEmpty else { throw CommandFailure("\(directory): no image decodes") }
        for (label, count) in Split(name: split.name, images: kept).classCounts(classCount: names.count).enumerated() where count == 0 {
            throw CommandFailure("\(dataset.root.appendingPathComponent(names[label]).path): no image of this class decodes")
        }
        self.split = Split(name: split.name, images: kept)
        self.skipped = skipped
    }

    /// Batches of `config` from the checked images, resized to the model's input size.
    func stream(size: ImageLoader.Size, config: BatchConfig) throws -> StreamedBatches {
        StreamedBatches(stream: try BatchStream(split, of: dataset, loader: ImageLoader(targetSize: size), config: config))
    }
}

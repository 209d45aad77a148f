import ArgumentParser
import Bench
import Foundation

/// `zoo data`: look at a dataset directory, or write a synthetic one.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect image datasets (Shenzhen/Montgomery, DermMel, Keras class folders) or write synthetic ones.",
        subcommands: [Describe.self, Synth.self]
    )

    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Class counts, image sizes and bit depths, corrupt files and duplicates of a dataset.",
            discussion: """
                Every image is decoded and hashed; duplicates across splits (test images also in training) are flagged.

                Examples:
                  zoo data describe DermMel
                  zoo data describe ChinaSet_AllFiles --split shenzhen-default.json --json -o description.json
                """
        )

        enum Layout: String, ExpressibleByArgument, CaseIterable {
            case auto, tuberculosis, dermmel, folders

            var datasetLayout: DatasetLayout? {
                switch self {
                case .auto: nil
                case .tuberculosis: .tuberculosis
                case .dermmel: .dermMel
                case .folders: .classFolders
                }
            }
        }

        @Argument(help: "The dataset directory.")
        var directory: String

        @Option(help: "The layout, or auto to recognise it (\(Layout.allCases.map(\.rawValue).joined(separator: ", "))).")
        var layout: Layout = .auto

        @Flag(help: "Print the description as JSON instead of Markdown tables.")
        var json = false

        @Option(name: .shortAndLong, help: "Write the description (Markdown, or JSON with --json) to this file instead of printing it.")
        var output: String?

        @Flag(help: "Write through a symbolic link at the output, replacing the file it points to.")
        var force = false

        @Option(help: ArgumentHelp(
            "Count the splits a file gives instead of the folder's own (repeatable).",
            discussion: "mednet's published JSON ({\"train\": [[path, label], ...], \"validation\": ..., \"test\": ...}) or Zoo manifests; every entry is checked against the folder."))
        var split: [String] = []

        @Option(help: "Refuse images with more pixels than this (a decompression-bomb guard).")
        var maxPixels: Int = ImageDecoder.defaultPixelLimit

        func run() throws {
            let destination = try output.map { try FilePaths.checkWritable($0, role: "description", existing: .replace, force: force) }
            let folder = try DatasetReader.read(URL(fileURLWithPath: directory), layout: layout.datasetLayout)
            let splitFile = try split.isEmpty ? nil : SplitFile.read(split.map { URL(fileURLWithPath: $0) }, against: folder)
            let dataset = splitFile?.applied(to: folder) ?? folder
            let progress = ProgressReporter("decoding and hashing", total: dataset.allImages.count)
            let description = try DatasetDescription.describe(dataset, decoder: ImageDecoder(pixelLimit: maxPixels), progress: progress)
            var text = json ? String(decoding: try description.json(), as: UTF8.self) + "\n" : description.markdown()
            if let splitFile, !json {
                text += "\nSplits from " + splitFile.sources.map(\.path).joined(separator: ", ") + ", SHA-256 \(splitFile.digest).\n"
            }
            if let destination {
                try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: destination))
            } else {
                print(text, terminator: "")
            }
        }
    }

    struct Synth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a synthetic dataset in a real layout, deterministic for a seed.",
            discussion: """
                tb: Shenzhen-like 8-bit and Montgomery-like 16-bit (12-bit values) chest PNGs named \
                CHNCXR_0001_0.png / MCUCXR_0001_1.png, TB cases with upper-lung opacities. \
                melanoma: 600x450 RGB JPEGs in DermMel/train_sep|valid|test/Melanoma|NotMelanoma, \
                melanomas irregular and multi-coloured.

                Examples:
                  zoo data synth tb --out synthetic-tb --count 80
                  zoo data synth melanoma --out synthetic-melanoma --seed 7
                """
        )

        enum Kind: String, ExpressibleByArgument, CaseIterable {
            case tb, melanoma
        }

        @Argument(help: "What to write: tb or melanoma.")
        var kind: Kind

        @Option(help: "The directory to write into (created if needed).")
        var out: String

        @Option(help: "Number of images, half of each class.")
        var count: Int = 80

        @Option(help: "Random seed; the same seed writes the same files.")
        var seed: UInt64 = 2019

        func run() throws {
            try FilePaths.prepareFolder(out, role: "dataset")
            let root = URL(fileURLWithPath: out)
            let writerKind: SyntheticDatasetWriter.Kind = kind == .tb ? .tb : .melanoma
            let files = SyntheticDatasetWriter.fileCount(writerKind, count: count)
            let progress = ProgressReporter("writing \(kind.rawValue) files", total: files)
            let written = try SyntheticDatasetWriter.write(writerKind, to: root, count: count, seed: seed, progress: progress)
            print("Wrote \(written.count) files under \(root.path).")
        }
    }
}

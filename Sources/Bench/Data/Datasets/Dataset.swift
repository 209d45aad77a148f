import Foundation

/// One image file and its class index.
public struct LabeledImage: Sendable, Hashable, Codable {
    /// Relative to the dataset root, with "/" separators.
    public let path: String
    public let label: Int

    public init(path: String, label: Int) {
        self.path = path
        self.label = label
    }
}

/// A named list of labelled images (train, validation, test, a fold, or all of them).
public struct Split: Sendable, Equatable {
    public let name: String
    public var images: [LabeledImage]

    public init(name: String, images: [LabeledImage]) {
        self.name = name
        self.images = images
    }

    public func classCounts(classCount: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for image in images { counts[image.label] += 1 }
        return counts
    }
}

/// The layouts Zoo reads: those of the notebooks' datasets (docs/notebooks.md, "Data") and plain class folders.
public enum DatasetLayout: String, Sendable, Codable, CaseIterable {
    /// Shenzhen and Montgomery: `.../CXR_png/CHNCXR_0001_0.png`, label in the `_0`/`_1` suffix.
    case tuberculosis
    /// DermMel: `train_sep|valid|test/Melanoma|NotMelanoma/*.jpg|*.jpeg`.
    case dermMel
    /// Keras `flow_from_directory` class folders, optionally under split folders (`Train|Test/0|1`).
    case classFolders

    /// How people write the layout's name.
    public var displayName: String {
        switch self {
        case .tuberculosis: "tuberculosis (Shenzhen/Montgomery)"
        case .dermMel: "DermMel"
        case .classFolders: "Keras class folders"
        }
    }
}

/// A dataset directory as read: its classes, its splits (one split named "all" when the layout has
/// none), and the files that were passed over.
public struct Dataset: Sendable {
    public let layout: DatasetLayout
    public let root: URL
    public let classNames: [String]
    public var splits: [Split]
    /// Relative paths of files in the layout's folders that are not images of the layout.
    public var ignored: [String]

    public init(layout: DatasetLayout, root: URL, classNames: [String], splits: [Split], ignored: [String] = []) {
        self.layout = layout
        self.root = root
        self.classNames = classNames
        self.splits = splits
        self.ignored = ignored
    }

    public func url(of image: LabeledImage) -> URL {
        root.appendingPathComponent(image.path)
    }

    public func split(named name: String) -> Split? {
        splits.first { $0.name == name }
    }

    /// Every image of every split.
    public var allImages: [LabeledImage] { splits.flatMap(\.images) }
}

import Foundation

/// Reads the dataset layouts from disk. Listing order is deterministic (sorted by Unicode scalar
/// value, as Python sorts strings), so the same directory always gives the same dataset.
public enum DatasetReader {
    /// Keras' `white_list_formats` for `flow_from_directory`, matched on the lower-cased name.
    public static let kerasExtensions = ["png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff"]
    /// Folder names taken as splits above Keras class folders (compared lower-cased).
    static let splitFolderNames: Set<String> = ["train", "train_sep", "valid", "validation", "val", "test"]

    /// Recognises the layout: chest X-ray folders named CXR_png, the DermMel split folders, or class folders.
    public static func read(_ root: URL, layout: DatasetLayout? = nil) throws -> Dataset {
        let root = root.standardizedFileURL
        guard isDirectory(root) else {
            throw DataError(file: root.path, kind: .badLayout, problem: "not a directory")
        }
        switch try layout ?? detect(root) {
        case .tuberculosis: return try tuberculosis(root)
        case .dermMel: return try dermMel(root)
        case .classFolders: return try classFolders(root)
        }
    }

    static func detect(_ root: URL) throws -> DatasetLayout {
        if try walk(root, maxDepth: 4).directories.contains(where: { $0.lastPathComponent == "CXR_png" }) {
            return .tuberculosis
        }
        if dermMelRoot(root) != nil { return .dermMel }
        return .classFolders
    }

    // MARK: Shenzhen and Montgomery

    /// Every `CXR_png` folder below `root` (so the union of Shenzhen and Montgomery when both are
    /// there, as the notebooks used them). Clinical readings and lung masks live in other folders
    /// and are never looked at.
    static func tuberculosis(_ root: URL) throws -> Dataset {
        let folders = try walk(root, maxDepth: 4).directories.filter { $0.lastPathComponent == "CXR_png" }
        guard !folders.isEmpty else {
            throw DataError(file: root.path, kind: .badLayout, problem: "no CXR_png folder (Shenzhen/Montgomery layout) below it")
        }
        var images: [LabeledImage] = [], ignored: [String] = []
        for folder in folders {
            for file in try files(in: folder) {
                let path = relativePath(file, to: root)
                if let label = tuberculosisLabel(file.lastPathComponent) {
                    images.append(LabeledImage(path: path, label: label))
                } else {
                    ignored.append(path)
                }
            }
        }
        return Dataset(layout: .tuberculosis, root: root, classNames: ["normal", "tuberculosis"],
                       splits: [Split(name: "all", images: sorted(images))], ignored: sorted(ignored))
    }

    /// `CHNCXR_0001_0.png` -> 0, `MCUCXR_0104_1.png` -> 1; anything else -> nil.
    static func tuberculosisLabel(_ name: String) -> Int? {
        guard name.lowercased().hasSuffix(".png") else { return nil }
        let stem = name.dropLast(4).split(separator: "_")
        guard stem.count == 3, stem[1].allSatisfy(\.isNumber), let label = Int(stem[2]), label == 0 || label == 1 else {
            return nil
        }
        return label
    }

    // MARK: DermMel

    static let dermMelClasses = ["Melanoma", "NotMelanoma"]

    /// The DermMel folder itself or its parent (Kaggle's `melanoma/DermMel`).
    static func dermMelRoot(_ root: URL) -> URL? {
        for candidate in [root, root.appendingPathComponent("DermMel")] {
            let splits = ["train_sep", "train", "valid", "test"].filter {
                isDirectory(candidate.appendingPathComponent($0).appendingPathComponent("Melanoma"))
            }
            if splits.count >= 2 { return candidate }
        }
        return nil
    }

    /// Split folders `train_sep` (or the author's `train`), `valid` and `test`, each with
    /// `Melanoma` and `NotMelanoma`; `*.jpg` and `*.jpeg` files.
    static func dermMel(_ root: URL) throws -> Dataset {
        guard let base = dermMelRoot(root) else {
            throw DataError(file: root.path, kind: .badLayout,
                            problem: "no DermMel split folders (train_sep|valid|test/Melanoma|NotMelanoma)")
        }
        var splits: [Split] = [], ignored: [String] = []
        for (folder, name) in [("train_sep", "train"), ("train", "train"), ("valid", "validation"), ("test", "test")] {
            let splitURL = base.appendingPathComponent(folder)
            guard isDirectory(splitURL) else { continue }
            var images: [LabeledImage] = []
            for (label, className) in dermMelClasses.enumerated() {
                let classURL = splitURL.appendingPathComponent(className)
                guard isDirectory(classURL) else {
                    throw DataError(file: classURL.path, kind: .badLayout, problem: "missing class folder \(className)")
                }
                for file in try files(in: classURL) {
                    let lowered = file.lastPathComponent.lowercased()
                    if lowered.hasSuffix(".jpg") || lowered.hasSuffix(".jpeg") {
                        images.append(LabeledImage(path: relativePath(file, to: root), label: label))
                    } else {
                        ignored.append(relativePath(file, to: root))
                    }
                }
            }
            splits.append(Split(name: name, images: sorted(images)))
        }
        return Dataset(layout: .dermMel, root: root, classNames: dermMelClasses, splits: splits, ignored: sorted(ignored))
    }

    // MARK: Keras class folders

    /// Keras' rules: class folders sorted alphanumerically; files found recursively inside each,
    /// kept when their lower-cased name ends in a Keras image extension. When every top-level
    /// folder is a split name (train, test, valid, ...), each is read as its own class-folder set
    /// and all must have the same classes.
    static func classFolders(_ root: URL) throws -> Dataset {
        let top = try subdirectories(root)
        let splitLevel = !top.isEmpty && top.allSatisfy { splitFolderNames.contains($0.lastPathComponent.lowercased()) }
        let groups = splitLevel ? top : [root]
        var classNames: [String]?
        var splits: [Split] = [], ignored: [String] = []
        for group in groups {
            let classes = try subdirectories(group)
            let names = classes.map(\.lastPathComponent)
            guard !names.isEmpty else {
                throw DataError(file: group.path, kind: .badLayout, problem: "no class folders")
            }
            if let known = classNames, known != names {
                throw DataError(file: group.path, kind: .badLayout,
                                problem: "class folders \(names) differ from \(known) in the other splits")
            }
            classNames = names
            var images: [LabeledImage] = []
            for (label, classURL) in classes.enumerated() {
                for file in try walk(classURL, maxDepth: .max).files {
                    let lowered = file.lastPathComponent.lowercased()
                    if kerasExtensions.contains(where: { lowered.hasSuffix("." + $0) }) {
                        images.append(LabeledImage(path: relativePath(file, to: root), label: label))
                    } else {
                        ignored.append(relativePath(file, to: root))
                    }
                }
            }
            splits.append(Split(name: splitLevel ? group.lastPathComponent : "all", images: images))
        }
        return Dataset(layout: .classFolders, root: root, classNames: classNames ?? [], splits: splits, ignored: sorted(ignored))
    }

    // MARK: Listing

    /// Directories and files below `root`, each list sorted by path; symbolic links to
    /// directories are not followed (Keras' follow_links=False).
    static func walk(_ root: URL, maxDepth: Int) throws -> (directories: [URL], files: [URL]) {
        var directories: [URL] = [], files: [URL] = []
        func visit(_ directory: URL, depth: Int) throws {
            for entry in try contents(of: directory) {
                if isDirectory(entry) && !isSymbolicLink(entry) {
                    directories.append(entry)
                    if depth < maxDepth { try visit(entry, depth: depth + 1) }
                } else if !isDirectory(entry) {
                    files.append(entry)
                }
            }
        }
        try visit(root, depth: 1)
        // Keras sorts os.walk's folders by path, then the names in each: the same as sorting
        // (folder, name) pairs.
        let order: (URL, URL) -> Bool = { a, b in
            let (folderA, folderB) = (a.deletingLastPathComponent().path, b.deletingLastPathComponent().path)
            if folderA != folderB { return precedes(folderA, folderB) }
            return precedes(a.lastPathComponent, b.lastPathComponent)
        }
        return (directories.sorted { precedes($0.path, $1.path) }, files.sorted(by: order))
    }

    static func files(in directory: URL) throws -> [URL] {
        try contents(of: directory).filter { !isDirectory($0) }.sorted { precedes($0.lastPathComponent, $1.lastPathComponent) }
    }

    static func subdirectories(_ directory: URL) throws -> [URL] {
        try contents(of: directory).filter { isDirectory($0) }.sorted { precedes($0.lastPathComponent, $1.lastPathComponent) }
    }

    private static func contents(of directory: URL) throws -> [URL] {
        do {
            return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
                .map(\.standardizedFileURL)
        } catch {
            throw DataError(file: directory.path, kind: .unreadable, problem: "cannot list the folder")
        }
    }

    static func isDirectory(_ url: URL) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &directory) && directory.boolValue
    }

    private static func isSymbolicLink(_ url: URL) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) != nil
    }

    /// Python's string order (by code point), which Keras' `sorted` uses.
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
    }

    static func relativePath(_ file: URL, to root: URL) -> String {
        let base = root.path.hasSuffix("/") ? root.path : root.path + "/"
        return file.path.hasPrefix(base) ? String(file.path.dropFirst(base.count)) : file.path
    }

    private static func sorted(_ images: [LabeledImage]) -> [LabeledImage] {
        images.sorted { precedes($0.path, $1.path) }
    }

    private static func sorted(_ paths: [String]) -> [String] {
        paths.sorted(by: precedes)
    }
}

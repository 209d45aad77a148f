import Foundation

/// A Keras checkpoint in any of its formats (docs/keras-numerics.md §7.1), opened for reading: what the
/// file says about itself, its model config if it carries one, and its weights grouped the way
/// Keras groups them. Nothing is read into memory until a weight is asked for.
public final class KerasCheckpoint: @unchecked Sendable {
    public enum Format: String, Sendable {
        case legacyWeights = "legacy weights .h5"
        case legacyFullModel = "legacy full-model .h5"
        case v3Weights = "Keras 3 .weights.h5"
        case archive = ".keras archive"
    }

    /// One weight as stored: its name in the file (legacy files only), shape and dataset.
    public struct StoredWeight: Sendable {
        public let storedName: String?
        public let shape: [Int]
        public let place: String
        let dataset: HDF5Dataset
        /// The value bytes inside a mapping of the file, when stored as plain float32.
        let mapped: (file: MappedFile, range: Range<Int>)?

        /// Passes the little-endian float32 bytes straight from the mapped file, or nil when the
        /// weight must be read through libhdf5; the pages are released afterwards.
        func withMappedBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T? {
            guard let (file, range) = mapped else { return nil }
            defer { file.release(range) }
            return try body(UnsafeRawBufferPointer(rebasing: file.bytes[range]))
        }
    }

    /// The weights Keras saves for one layer of the model (for a nested model: all of its layers).
    public struct WeightGroup: Sendable {
        /// Legacy: the layer's group name. v3: the layer name from `vars/@name` (nil before Keras 3.6).
        public let name: String?
        /// v3 only: the names of the enclosing nested models, outermost first.
        public let scope: [String]
        public let place: String
        public let weights: [StoredWeight]
    }

    public let path: String
    public let format: Format
    public let kerasVersion: String?
    public let backend: String?
    public let modelConfig: String?
    /// Legacy layout: layers with weights, in `layer_names` order. v3 layout: every layer with
    /// variables, in file order.
    public let groups: [WeightGroup]

    private let file: HDF5File
    private let archive: StoredZipArchive?
    /// The checkpoint mapped into memory, so weights stored as plain float32 are read in place.
    private let mapping: MappedFile

    public init(path: String) throws {
        self.path = path
        let name = (path as NSString).lastPathComponent
        if name.hasSuffix(".keras") {
            let archive = try StoredZipArchive(path: path)
            self.archive = archive
            mapping = archive.mapping
            let image = try archive.bytes(of: "model.weights.h5")
            file = try HDF5File(image: image, displayName: "\(path)[model.weights.h5]")
            let imageStart = image.baseAddress.map { $0 - archive.mapping.bytes.baseAddress! } ?? 0
            modelConfig = try archive.text(of: "config.json")
            let metadata = try? JSONSerialization.jsonObject(with: Data(try archive.text(of: "metadata.json").utf8)) as? [String: Any]
            kerasVersion = metadata?["keras_version"] as? String
            backend = nil
            format = .archive
            groups = try Self.v3Groups(in: try file.root, mapping: (archive.mapping, imageStart))
            return
        }
        archive = nil
        file = try HDF5File(path: path)
        mapping = try MappedFile(path: path)
        let located = (mapping, 0)
        let root = try file.root
        var weightsRoot = root
        if !root.hasChunkedAttribute("layer_names"), root.isGroup("model_weights") {
            weightsRoot = try root.group("model_weights")
        }
        modelConfig = try root.string(attribute: "model_config")
        kerasVersion = try root.string(attribute: "keras_version") ?? weightsRoot.string(attribute: "keras_version")
        backend = try root.string(attribute: "backend") ?? weightsRoot.string(attribute: "backend")
        if weightsRoot.hasChunkedAttribute("layer_names") {
            format = modelConfig == nil ? .legacyWeights : .legacyFullModel
            groups = try Self.legacyGroups(in: weightsRoot, mapping: located)
        } else if root.isGroup("layers") || root.isGroup("_layer_checkpoint_dependencies") || root.isGroup("vars") {
            format = .v3Weights
            groups = try Self.v3Groups(in: root, mapping: located)
        } else {
            throw ConversionError(file: path, "an HDF5 file, but not a Keras checkpoint (no layer_names attribute, no model_weights, layers or vars group)")
        }
    }

    public var weightCount: Int { groups.reduce(0) { $0 + $1.weights.count } }
    public var parameterCount: Int { groups.reduce(0) { $0 + $1.weights.reduce(0) { $0 + $1.shape.reduce(1, *) } } }

    // MARK: Legacy layout (docs/keras-numerics.md §7.1, §7.3)

    /// The file's mapping and where the HDF5 image starts in it (inside a `.keras` archive).
    typealias Location = (file: MappedFile, imageStart: Int)

    private static func stored(_ dataset: HDF5Dataset, name: String?, in location: Location) -> StoredWeight {
        let range = dataset.contiguousFloat32Range.map { ($0.lowerBound + location.imageStart)..<($0.upperBound + location.imageStart) }
        let mapped = range.flatMap { $0.upperBound <= location.file.bytes.count ? (location.file, $0) : nil }
        return StoredWeight(storedName: name, shape: dataset.shape, place: dataset.place, dataset: dataset, mapped: mapped)
    }

    private static func legacyGroups(in root: HDF5Group, mapping: Location) throws -> [WeightGroup] {
        try root.chunkedStrings(attribute: "layer_names").compactMap { layer in
            guard root.isGroup(layer) else {
                throw ConversionError(file: root.file.displayName, place: root.child(layer), "listed in layer_names but missing")
            }
            let group = try root.group(layer)
            // Datasets are opened by the names in weight_names, relative to the layer's group:
            // never by a path built from the layer name, which styles such as `X_W_1:0` and uniquified scopes break.
            let weights = try group.chunkedStrings(attribute: "weight_names").map { weightName in
                return stored(try group.dataset(weightName), name: weightName, in: mapping)
            }
            return weights.isEmpty ? nil : WeightGroup(name: layer, scope: [], place: group.path, weights: weights)
        }
    }

    // MARK: v3 layout (docs/keras-numerics.md §7.5)

    /// Keras 3 saves the model's object tree: a functional model's layers under `layers`, a subclassed
    /// model's under its attribute names (and under `layers`, for those it reaches first through that
    /// property), custom layers' sublayers under theirs. Every group whose `vars` holds datasets is a
    /// layer's weights, wherever it sits; only the optimizer's variables (top-level `optimizer`) are not
    /// model weights.
    private static func v3Groups(in root: HDF5Group, mapping: Location) throws -> [WeightGroup] {
        try v3Groups(under: root, scope: [], mapping: mapping)
    }

    /// The weight groups of the object saved at `object` and of everything it holds; a nested model's
    /// layers (its `layers` group) are scoped by the model's name, the top-level model's are not.
    private static func v3Groups(under object: HDF5Group, scope: [String], mapping: Location) throws -> [WeightGroup] {
        var result: [WeightGroup] = []
        let isRoot = object.path == "/"
        let vars = object.isGroup("vars") ? try object.group("vars") : nil
        let name = try vars?.string(attribute: "name")
        if let vars {
            // Variables are datasets "0", "1", ...: sort numerically ("10" would sort before "2").
            let indices = try vars.linkNames().compactMap(Int.init).sorted()
            let weights = try indices.map { index in
                return stored(try vars.dataset(String(index)), name: nil, in: mapping)
            }
            if !weights.isEmpty { result.append(WeightGroup(name: name, scope: scope, place: object.path, weights: weights)) }
        }
        // Early Keras 3 releases called the layer list `_layer_checkpoint_dependencies`: read it only when alone.
        let listNames = object.isGroup("layers") ? ["layers"] : ["_layer_checkpoint_dependencies"]
        for child in try object.linkNames() where child != "vars" && object.isGroup(child) {
            if isRoot && child == "optimizer" || child == "_layer_checkpoint_dependencies" && !listNames.contains(child) { continue }
            let inner = try object.group(child)
            if listNames.contains(child) {
                // A model's layers, each group named after its class (`conv2d_1`).
                let innerScope = isRoot ? scope : scope + [name ?? String(object.path.split(separator: "/").last ?? "")]
                for layer in try inner.linkNames() where inner.isGroup(layer) {
                    result += try v3Groups(under: try inner.group(layer), scope: innerScope, mapping: mapping)
                }
            } else {
                result += try v3Groups(under: inner, scope: scope, mapping: mapping)
            }
        }
        return result
    }
}

import Foundation

/// `zoo convert`: one Keras checkpoint in, one verified safetensors file out.
///
/// Tensors stream one at a time from libhdf5 into the writer, so memory holds at most the largest
/// tensor once; the output is written under a temporary name and renamed only when complete.
public enum Conversion {
    public static let converterVersion = "zoo 0.1.0"

    public struct Request: Sendable {
        public var input: String
        public var output: String
        /// The architecture for weights-only files (or to check a full model against).
        public var architecture: (name: String, graph: ModelGraph, parameters: Int?)?
        public var dtype: StorageDType
        /// Preprocessing to record; nil asks `defaultPreprocess` once the graph is known.
        public var preprocess: String?
        public var defaultPreprocess: @Sendable (ModelGraph) -> String
        /// Names a user may pass as `--arch`, for the message when one is needed.
        public var knownArchitectures: [String]
        /// Take only the architecture's tensors from a file that holds more (`--partial`).
        public var partial = false
        /// The output's class names, recorded as `class_names` (`--labels`); one per unit of the model's output.
        public var classNames: [String]?

        public init(input: String, output: String, architecture: (name: String, graph: ModelGraph, parameters: Int?)? = nil,
                    dtype: StorageDType = .f32, preprocess: String? = nil, knownArchitectures: [String] = [],
                    defaultPreprocess: @escaping @Sendable (ModelGraph) -> String = { _ in "none" }) {
            self.input = input
            self.output = output
            self.architecture = architecture
            self.dtype = dtype
            self.preprocess = preprocess
            self.knownArchitectures = knownArchitectures
            self.defaultPreprocess = defaultPreprocess
        }
    }

    public struct Summary: Sendable {
        public let format: KerasCheckpoint.Format
        public let strategy: WeightMatcher.Strategy
        public let graphName: String
        public let tensors: Int
        public let parameters: Int
        public let outputBytes: Int
        public let sourceSHA256: String
        /// The file's layers the architecture does not have (partial conversions only).
        public let leftOut: [KerasCheckpoint.WeightGroup]
    }

    /// Progress of the streaming phase: tensors and bytes done so far.
    public struct Progress: Sendable {
        public let tensorsDone: Int
        public let tensorsTotal: Int
        public let bytesDone: Int
        public let bytesTotal: Int
    }

    /// Reads the checkpoint and the graph that describes it, without converting anything.
    public static func plan(_ request: Request) throws -> (KerasCheckpoint, ModelGraph, String, WeightMatcher.Matching) {
        let checkpoint = try KerasCheckpoint(path: request.input)
        let graph: ModelGraph, graphName: String
        if let architecture = request.architecture {
            (graph, graphName) = (architecture.graph, "architecture '\(architecture.name)'")
        } else if let config = checkpoint.modelConfig {
            (graph, graphName) = (try KerasConfigImporter(file: request.input).importGraph(json: config), "the model config")
            try refuseOlderHardSigmoid(in: graph, of: checkpoint)
        } else {
            throw ConversionError(file: request.input, "holds only weights (\(checkpoint.format.rawValue), no model config): "
                                  + "name its architecture with --arch (\(request.knownArchitectures.joined(separator: ", ")), or a Keras config .json)")
        }
        // v3 files without layer names are matched through the paths their config implies.
        let unnamed = checkpoint.groups.contains { $0.name == nil }
        let v3Paths = unnamed && request.architecture == nil
            ? try checkpoint.modelConfig.map { try KerasConfigImporter(file: request.input).v3Paths(json: $0) } : nil
        let matching = try WeightMatcher(checkpoint: checkpoint, graph: graph, graphName: graphName, v3Paths: v3Paths ?? [:],
                                         partial: request.partial).matches()
        if let expected = request.architecture?.parameters, expected != graph.parameterCount {
            throw ConversionError(file: request.input, "\(graphName) has \(graph.parameterCount) parameters, Keras' has \(expected)")
        }
        return (checkpoint, graph, graphName, matching)
    }

    /// `hard_sigmoid` is `clip(0.2 * x + 0.5, 0, 1)` to Keras 1, Keras 2 and tf-keras, and `relu6(x + 3) / 6` to Keras 3,
    /// the one Zoo computes (docs/keras-numerics.md §5): a model an older Keras wrote (or one that does not say) that
    /// names it is refused rather than converted into the other function.
    private static func refuseOlderHardSigmoid(in graph: ModelGraph, of checkpoint: KerasCheckpoint) throws {
        guard checkpoint.kerasVersion?.hasPrefix("3.") != true,
              let layer = graph.layers.first(where: { $0.attributes["activation"]?.stringValue == "hard_sigmoid" }) else { return }
        throw ConversionError(file: checkpoint.path, place: "layer '\(layer.name)'",
                              "uses hard_sigmoid as Keras \(checkpoint.kerasVersion ?? "before 2") defines it, clip(0.2 * x + 0.5, 0, 1); "
                              + "Zoo computes only Keras 3's relu6(x + 3) / 6")
    }

    public static func run(_ request: Request, progress: (Progress) -> Void = { _ in }) throws -> Summary {
        let (checkpoint, graph, _, matching) = try plan(request)
        let matches = matching.matches
        // The source file's hash goes into the header but is only needed at the end: compute it on
        // another thread while the tensors stream (once the plan holds), and patch it in at the finish.
        let sourceDigest = BackgroundDigest(path: request.input)
        var metadata = try self.metadata(for: checkpoint, graph: graph, sourceHash: BackgroundDigest.placeholder,
                                         preprocess: request.preprocess ?? request.defaultPreprocess(graph))
        if let names = request.classNames {
            try ClassNames.check(names, against: graph, file: request.input)
            metadata[ClassNames.metadataKey] = try ClassNames.encode(names)
        }

        var writer = try SafetensorsWriter(path: request.output, tensors: matches.map { ($0.tensorName, $0.shape) },
                                           dtype: request.dtype, metadata: metadata)
        // Weights stored as plain float32 go from the mapped checkpoint straight to the file; the
        // rest (and every reduced-precision conversion) through one buffer sized for the largest.
        var buffer = UnsafeMutableBufferPointer<Float>(start: nil, count: 0)
        defer { buffer.deallocate() }
        let totalBytes = matches.reduce(0) { $0 + $1.shape.reduce(1, *) * 4 }
        var doneBytes = 0
        for (index, match) in matches.enumerated() {
            let count = match.shape.reduce(1, *)
            let appendedInPlace = try request.dtype == .f32
                && match.source.withMappedBytes { try writer.append(float32Bytes: $0) } != nil
            if !appendedInPlace {
                if buffer.count < count {
                    buffer.deallocate()
                    buffer = .allocate(capacity: count)
                }
                let slice = UnsafeMutableBufferPointer(rebasing: buffer[0..<count])
                try match.source.dataset.read(into: slice)
                try writer.append(UnsafeBufferPointer(slice))
            }
            doneBytes += count * 4
            progress(Progress(tensorsDone: index + 1, tensorsTotal: matches.count, bytesDone: doneBytes, bytesTotal: totalBytes))
        }
        let sourceHash = try sourceDigest.value()
        try writer.finish(patching: [BackgroundDigest.placeholder: sourceHash])
        let size = (try? FileManager.default.attributesOfItem(atPath: request.output)[.size] as? Int) ?? 0
        return Summary(format: checkpoint.format, strategy: WeightMatcher.Strategy(for: checkpoint.format, partial: request.partial),
                       graphName: graph.name, tensors: matches.count, parameters: graph.parameterCount,
                       outputBytes: size, sourceSHA256: sourceHash, leftOut: matching.leftOut)
    }

    /// The `__metadata__`: everything a reader needs to run and trust the file (docs/architecture.md,
    /// "The weight file").
    static func metadata(for checkpoint: KerasCheckpoint, graph: ModelGraph, sourceHash: String,
                         preprocess: String) throws -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let source: [String: String] = [
            "file": (checkpoint.path as NSString).lastPathComponent,
            "sha256": sourceHash,
            "format": checkpoint.format.rawValue,
            "keras_version": checkpoint.kerasVersion ?? "unknown (Keras 1 files do not record it)",
        ]
        return [
            "format": "zoo/1",
            "graph": String(decoding: try encoder.encode(graph), as: UTF8.self),
            "source": String(decoding: try encoder.encode(source), as: UTF8.self),
            "preprocess": preprocess,
            "converter": converterVersion,
        ]
    }
}

import Converter
import Zoo

/// How `verify` and `predict` open a converted file: its own graph, or a registry architecture's with
/// `--arch`; rewritten by the engine fault of `ZOO_FAULT`, if any (for the parity tests). Its data hash is checked
/// on first use (`DataHashCheck`) unless `verifyData` is false (`--no-verify`).
struct ModelLoading {
    let model: Model
    let fault: EngineFault?
    /// Layers the fault added, which have no Keras output to compare with.
    let faultLayers: Set<String>
    /// The class names the file records (`class_names`), if any.
    let classNames: [String]?

    init(_ path: String, architecture: String?, mode: Model.Mode, verifyData: Bool) throws {
        try FilePaths.requireConvertedModel(path)
        let file = try SafetensorsFile(path: path)
        if verifyData { try DataHashCheck.require(file, path: path) }
        classNames = try ClassNames.recorded(in: file.metadata, file: path)
        var graph = try architecture.map(Registry.graph(named:)) ?? Model.graph(in: file)
        fault = try EngineFault.fromEnvironment()
        var added = Set<String>()
        if let fault { (graph, added) = try fault.inject(into: graph) }
        faultLayers = added
        model = try Model(graph: graph, file: file, mode: mode)
    }
}

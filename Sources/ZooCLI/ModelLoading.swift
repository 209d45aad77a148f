import Converter
import Zoo

/// How `verify` and `predict` open a converted file: its own graph, or a registry architecture's with
/// `--arch`; rewritten by the engine fault of `ZOO_FAULT`, if any (for the parity tests).
struct ModelLoading {
    let model: Model
    let fault: EngineFault?
    /// Layers the fault added, which have no Keras output to compare with.
    let faultLayers: Set<String>

    init(_ path: String, architecture: String?, mode: Model.Mode) throws {
        try FilePaths.requireConvertedModel(path)
        let file = try SafetensorsFile(path: path)
        var graph = try architecture.map(Registry.graph(named:)) ?? Model.graph(in: file)
        fault = try EngineFault.fromEnvironment()
        var added = Set<String>()
        if let fault { (graph, added) = try fault.inject(into: graph) }
        faultLayers = added
        model = try Model(graph: graph, file: file, mode: mode)
    }
}

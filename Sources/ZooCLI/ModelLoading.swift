import Converter
import Zoo

/// How `verify` and `predict` open a converted file: its own graph, or a registry architecture's with
/// `--arch`; the engine fault of `ZOO_FAULT`, if any (for the parity tests).
enum ModelLoading {
    static func load(_ path: String, architecture: String?, mode: Model.Mode) throws -> Model {
        let file = try SafetensorsFile(path: path)
        let fault = try EngineFault.fromEnvironment()
        if let architecture { return try Model(architecture: architecture, file: file, mode: mode, fault: fault) }
        return try Model(file: file, mode: mode, fault: fault)
    }
}

import Converter
import Foundation
import Zoo

/// What `--arch` may name: a registry architecture, or a Keras model config saved as JSON
/// (`model.to_json()`, a `.keras` archive's `config.json`).
enum Architectures {
    struct Resolved {
        let name: String
        let graph: ModelGraph
        let entry: RegistryEntry?
    }

    static func resolve(_ argument: String) throws -> Resolved {
        if let entry = Registry.entry(named: argument) {
            return Resolved(name: entry.name, graph: try entry.graph(), entry: entry)
        }
        guard argument.hasSuffix(".json"), FileManager.default.fileExists(atPath: argument) else {
            throw CommandFailure("--arch '\(argument)' is neither a known architecture (\(Registry.entries.map(\.name).joined(separator: ", "))) nor a model-config .json file")
        }
        let json = try String(contentsOfFile: argument, encoding: .utf8)
        let graph = try KerasConfigImporter(file: argument).importGraph(json: json)
        return Resolved(name: (argument as NSString).lastPathComponent, graph: graph, entry: Registry.identify(graph))
    }
}

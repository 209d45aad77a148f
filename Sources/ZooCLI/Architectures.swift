import Converter
import Foundation
import Zoo

/// What `--arch` may name: a registry architecture, a Keras model config saved as JSON
/// (`model.to_json()`), or a full-model `.h5` / `.keras` file whose architecture is wanted.
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
        guard FileManager.default.fileExists(atPath: argument) else {
            throw CommandFailure("--arch '\(argument)' is neither a known architecture (\(Registry.entries.map(\.name).joined(separator: ", "))) nor an existing file")
        }
        let json: String
        if argument.hasSuffix(".json") {
            json = try String(contentsOfFile: argument, encoding: .utf8)
        } else {
            guard let config = try KerasCheckpoint(path: argument).modelConfig else {
                throw CommandFailure("--arch '\(argument)' holds weights only; it has no architecture to lend")
            }
            json = config
        }
        let graph = try KerasConfigImporter(file: argument).importGraph(json: json)
        return Resolved(name: (argument as NSString).lastPathComponent, graph: graph, entry: Registry.identify(graph))
    }
}

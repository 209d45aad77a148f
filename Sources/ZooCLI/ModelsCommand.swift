import ArgumentParser
import Foundation
import Zoo

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the architectures Zoo defines: parameters, input, preprocessing and published weights.",
        discussion: """
        The published weights are keras.applications' ImageNet files: `zoo fetch NAME` downloads one into Keras' cache \
        and checks its hash.

        Examples:
          zoo models
          zoo models --json > registry.json
        """
    )

    @Flag(help: "Print the registry as JSON (this is zoo/registry.json).") var json = false

    func run() throws {
        if json {
            print(try Self.registryJSON())
            return
        }
        let rows = Registry.entries.map { entry in
            [entry.name, entry.parameters.formatted(), entry.inputSize.map { $0.map(String.init) ?? "?" }.joined(separator: "x"),
             entry.preprocessing.description, entry.publishedWeights.map { $0.bytes.map(DownloadProgress.bytes) ?? "size unknown" } ?? "none", entry.summary]
        }
        // "published weights": the keras.applications ImageNet file's size; `zoo fetch NAME` downloads it.
        let header = ["name", "parameters", "input", "preprocess", "published weights", "model"]
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
        for row in [header] + rows {
            print(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }

    static func registryJSON() throws -> String {
        let entries: [[String: Any]] = Registry.entries.map { entry in
            var object: [String: Any] = [
                "name": entry.name, "summary": entry.summary, "parameters": entry.parameters,
                "preprocess": entry.preprocessing.description, "input_size": entry.inputSize.map { $0 ?? -1 },
            ]
            if let weights = entry.publishedWeights {
                var published: [String: Any] = ["url": weights.url, "md5": weights.md5]
                if let bytes = weights.bytes { published["bytes"] = bytes }
                object["published_weights"] = published
            }
            return object
        }
        let data = try JSONSerialization.data(withJSONObject: entries, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}

import Foundation
import Tensor

/// How `zoo predict` prints one image's output: the top classes as a line of text, or as a JSON line (`top`, and
/// the raw tensor as `values` only with --raw). A class vector is an output of shape [1, classes].
struct PredictionPrinter {
    let top: Int
    let labels: ClassLabels?
    /// Where the labels came from ("--labels a,b", the file's metadata), to name it when their count does not fit the model.
    let labelSource: String
    let raw: Bool

    struct Entry: Encodable {
        let index: Int
        let name: String?
        let probability: Float

        // `name` is written as null without --labels, so every line has the same keys.
        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(name, forKey: .name)
            try container.encode(probability.isFinite ? probability : nil, forKey: .probability)
        }

        enum CodingKeys: String, CodingKey { case index, name, probability }
    }

    struct Line: Encodable {
        let image: String
        let shape: [Int]
        /// Absent for an output that is not a class vector (a feature map): only --raw shows it.
        let top: [Entry]?
        /// Only with --raw; a non-finite value is null.
        let values: [Float?]?
    }

    /// The best `top` classes, best first (ties: the lower index), with their names when labels were given.
    func ranked(_ output: Tensor) throws -> [Entry]? {
        guard output.rank == 2, output.shape[0] == 1 else { return nil }
        let values = output.toArray()
        if let labels { try labels.check(classes: values.count, source: labelSource) }
        let order = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }.prefix(top)
        return order.map { Entry(index: $0, name: labels?.names[$0], probability: values[$0]) }
    }

    /// "IMAGE: 1. class C P  2. class C P ...", each class "class C (name)" with --labels, P with six decimals.
    func ranking(image: String, output: Tensor) throws -> String {
        guard let entries = try ranked(output) else {
            return "\(image): output \(output.shape) is not a class vector; use --json --raw for the raw tensor"
        }
        return "\(image): " + entries.enumerated().map { rank, entry in
            "\(rank + 1). class \(entry.index)\(entry.name.map { " (\($0))" } ?? "") \(String(format: "%.6f", entry.probability))"
        }.joined(separator: "  ")
    }

    /// One output of a model with several, in the JSON line of `--input` predictions.
    struct Output: Encodable {
        let shape: [Int]
        let top: [Entry]?
        let values: [Float?]?
    }

    /// `{"inputs": {name: path}, "outputs": {name: {"shape", "top", "values"}}}`: one prediction from named inputs.
    struct NamedLine: Encodable {
        let inputs: [String: String]
        let outputs: [String: Output]
    }

    func jsonLine(image: String, output: Tensor) throws -> String {
        let described = try self.described(output)
        return try encoded(Line(image: image, shape: described.shape, top: described.top, values: described.values))
    }

    func jsonLine(inputs: [String: String], outputs: [(name: String, tensor: Tensor)]) throws -> String {
        try encoded(NamedLine(inputs: inputs, outputs: Dictionary(uniqueKeysWithValues: try outputs.map { ($0.name, try described($0.tensor)) })))
    }

    private func described(_ output: Tensor) throws -> Output {
        Output(shape: output.shape, top: try ranked(output), values: raw ? output.toArray().map { $0.isFinite ? $0 : nil } : nil)
    }

    private func encoded(_ line: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(line), as: UTF8.self)
    }
}

import Foundation

/// The class names `zoo predict --labels` prints next to the indices: from a file (one name per line, or the JSON
/// of Keras' `decode_predictions`, `{"0": ["n01440764", "tench"], ...}`), or given inline as `a,b,c`.
struct ClassLabels {
    let names: [String]

    init(names: [String]) {
        self.names = names
    }

    /// A path to an existing file is read; anything else is a comma-separated list.
    init(argument: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
            // A missing labels file would otherwise be read as a list of one name.
            if !argument.contains(","), argument.contains("/") || argument.hasSuffix(".txt") || argument.hasSuffix(".json") {
                throw CommandFailure("\(argument): no such labels file (--labels takes a file or a comma-separated list)")
            }
            names = argument.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            return
        }
        if isDirectory.boolValue { throw CommandFailure("\(argument): is a directory, not a labels file") }
        guard let data = FileManager.default.contents(atPath: argument), let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure("\(argument): cannot read the labels file as UTF-8 text")
        }
        names = argument.hasSuffix(".json") ? try Self.kerasClassIndex(text, file: argument) : Self.lines(text)
    }

    /// One name per line, line k naming class k: a blank line inside the file is a class without a name (dropping it
    /// would move every later name to the wrong class); blank lines at the end are not classes.
    static func lines(_ text: String) -> [String] {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// Keras' class index: index → [WordNet id, name]; the names in index order, every index from 0 present.
    private static func kerasClassIndex(_ text: String, file: String) throws -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [String]] else {
            throw CommandFailure("\(file): not a Keras class index ({\"0\": [\"n01440764\", \"tench\"], ...})")
        }
        return try (0..<object.count).map { index in
            guard let name = object[String(index)]?.last else {
                throw CommandFailure("\(file): the class index has no entry \"\(index)\" (it must number the classes from 0)")
            }
            return name
        }
    }

    /// Fails unless there is one name per class of the model's output.
    func check(classes: Int, source: String) throws {
        guard names.count == classes else {
            throw CommandFailure("\(source): \(names.count) name\(names.count == 1 ? "" : "s") for a model with \(classes) classes")
        }
    }
}

import Converter
import Tensor

/// A golden-activations file written by Keras (scripts/golden-activations.sh): for each case, the input
/// as fed to the model (`inputs/<case>`, NHWC float32, after preprocessing) and every non-input layer's
/// output (`<layer>/<case>`, nested layers by their inner names); metadata `cases`, `checkpoint`,
/// `preprocess`, `outputs`. A model with several inputs has each under `inputs/<input layer>/<case>`, their
/// names in the metadata `inputs` (Tests/GoldenOutputs/lesion_with_metadata.py).
public struct GoldenActivations {
    public let file: SafetensorsFile
    public let cases: [String]
    /// The input layers' names when the model has several; empty for one.
    public let inputNames: [String]

    public init(path: String) throws {
        file = try SafetensorsFile(path: path)
        guard let list = file.metadata["cases"], !list.isEmpty else {
            throw ModelError("\(path): no 'cases' in the metadata; not a golden-activations file (see scripts/golden-activations.sh)")
        }
        cases = list.split(separator: ",").map(String.init)
        inputNames = file.metadata["inputs"]?.split(separator: ",").map(String.init) ?? []
        for name in cases {
            for tensor in Self.inputTensors(case: name, inputNames: inputNames) where file.tensor(named: tensor) == nil {
                throw ModelError("\(path): case '\(name)' has no input tensor '\(tensor)'")
            }
        }
    }

    private static func inputTensors(case name: String, inputNames: [String]) -> [String] {
        inputNames.isEmpty ? ["inputs/\(name)"] : inputNames.map { "inputs/\($0)/\(name)" }
    }

    /// The Keras checkpoint the activations came from (for example `vgg16/k3.keras`).
    public var checkpoint: String? { file.metadata["checkpoint"] }

    /// The case's one input, or its first when the model has several.
    public func input(_ name: String) throws -> Tensor { try inputs(name)[0] }

    /// The case's inputs in the order of `graphInputs` (a model's input layers), matched by name when the file
    /// names them; a file of one unnamed input fits a model of one input.
    public func inputs(_ name: String, for graphInputs: [String]? = nil) throws -> [Tensor] {
        let names = inputNames.isEmpty ? [nil] : (graphInputs ?? inputNames).map(Optional.some)
        if let graphInputs, graphInputs.count != names.count || (!inputNames.isEmpty && Set(graphInputs) != Set(inputNames)) {
            throw ModelError("\(file.path): the model's inputs \(graphInputs) are not the file's \(inputNames.isEmpty ? "one input" : "\(inputNames)")")
        }
        return try names.map { input in
            let tensor = input.map { "inputs/\($0)/\(name)" } ?? "inputs/\(name)"
            guard let value = try file.tensorIfPresent(named: tensor) else { throw ModelError("\(file.path): no input tensor '\(tensor)'") }
            return value
        }
    }

    /// Keras' output of `layer` for the case, nil when the file has none.
    public func output(of layer: String, case name: String) throws -> Tensor? { try file.tensorIfPresent(named: "\(layer)/\(name)") }
}

extension SafetensorsFile {
    /// The named tensor at its stored shape, nil when the file has none: how golden files (activations,
    /// gradient cases) are read, where a missing tensor means "no reference for this".
    public func tensorIfPresent(named name: String) throws -> Tensor? {
        guard let info = tensor(named: name) else { return nil }
        return try tensor(named: name, shape: info.shape)
    }
}

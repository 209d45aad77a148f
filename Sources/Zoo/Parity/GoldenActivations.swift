import Converter
import Tensor

/// A golden-activations file written by Keras (scripts/golden-activations.sh): for each case, the input
/// as fed to the model (`inputs/<case>`, NHWC float32, after preprocessing) and every non-input layer's
/// output (`<layer>/<case>`, nested layers by their inner names); metadata `cases`, `checkpoint`,
/// `preprocess`, `outputs`.
public struct GoldenActivations {
    public let file: SafetensorsFile
    public let cases: [String]

    public init(path: String) throws {
        file = try SafetensorsFile(path: path)
        guard let list = file.metadata["cases"], !list.isEmpty else {
            throw ModelError("\(path): no 'cases' in the metadata; not a golden-activations file (see scripts/golden-activations.sh)")
        }
        cases = list.split(separator: ",").map(String.init)
        for name in cases where file.tensor(named: "inputs/\(name)") == nil {
            throw ModelError("\(path): case '\(name)' has no input tensor 'inputs/\(name)'")
        }
    }

    /// The Keras checkpoint the activations came from (for example `vgg16/k3.keras`).
    public var checkpoint: String? { file.metadata["checkpoint"] }

    public func input(_ name: String) throws -> Tensor { try file.tensorIfPresent(named: "inputs/\(name)")! }

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

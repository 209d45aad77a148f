/// Why a model cannot be built or run, in one line that names the place: the file, the layer, the tensor.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }

    /// A problem with one layer of the graph: `layer 'block1_conv1' (conv2d): <problem>`.
    static func layer(_ layer: String, _ op: String, _ problem: String) -> ModelError {
        ModelError("layer '\(layer)' (\(op)): \(problem)")
    }
}

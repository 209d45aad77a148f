/// Errors thrown by the public entry points of the Tensor module. Kernels run only after these checks,
/// so a bad shape or attribute is reported here rather than trapping inside a loop.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// A shape that cannot exist: a negative dimension, or values that do not fill it.
    case invalidShape(String)
    /// An operand whose shape does not fit the operation.
    case shapeMismatch(operation: String, detail: String)
    /// An attribute outside what the operation supports (kernel size 0, stride 0, unknown axis...).
    case invalidArgument(operation: String, detail: String)

    public var description: String {
        switch self {
        case .invalidShape(let detail): return "invalid shape: \(detail)"
        case .shapeMismatch(let operation, let detail): return "\(operation): shape mismatch: \(detail)"
        case .invalidArgument(let operation, let detail): return "\(operation): invalid argument: \(detail)"
        }
    }
}

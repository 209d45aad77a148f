import Foundation

/// Deliberately wrong engines, for proving that `zoo verify` catches a real numerical bug and names the
/// layer that has it. Chosen by the environment variable `ZOO_FAULT`, which is read here and nowhere else;
/// it is never set in normal use.
public enum EngineFault: String, Sendable, CaseIterable {
    /// 'same' padding of strided convolutions split evenly, `ceil(total / 2)` on each side (what PyTorch's
    /// symmetric `padding=` does), instead of TensorFlow's extra pixel at the bottom and right.
    case symmetricPadding = "symmetric-padding"
    /// Every BatchNormalization uses epsilon 1e-3 (the Keras default) instead of its configured value.
    case bnEpsilon1e3 = "bn-epsilon-1e-3"

    public static let environmentVariable = "ZOO_FAULT"

    /// The fault `ZOO_FAULT` asks for, nil when it is unset or empty.
    public static func fromEnvironment() throws -> EngineFault? {
        guard let value = ProcessInfo.processInfo.environment[environmentVariable], !value.isEmpty else { return nil }
        guard let fault = EngineFault(rawValue: value) else {
            throw ModelError("\(environmentVariable)=\(value) is not a known fault (\(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return fault
    }
}

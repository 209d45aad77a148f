import Foundation
import Testing
import TestSupport
import Tensor

/// One case written by Tests/GoldenOutputs/kernels/make_kernel_goldens.py: the inputs, the attributes of
/// the Keras layer that produced `expected`, and `expected` itself.
struct KernelCase: Sendable, CustomStringConvertible {
    let name: String
    let op: String
    let attributes: [String: JSONValue]
    let inputs: [String: Tensor]
    let expected: Tensor

    var description: String { name }

    func input(_ name: String) throws -> Tensor {
        guard let tensor = inputs[name] else { throw GoldenError("\(self.name) has no input '\(name)'") }
        return tensor
    }

    func integers(_ key: String) throws -> (Int, Int) {
        guard case .array(let values)? = attributes[key], values.count == 2,
              case .number(let first) = values[0], case .number(let second) = values[1] else {
            throw GoldenError("\(name): attribute '\(key)' is not a pair")
        }
        return (Int(first), Int(second))
    }

    func string(_ key: String) throws -> String {
        guard case .string(let value)? = attributes[key] else { throw GoldenError("\(name): no string '\(key)'") }
        return value
    }

    func number(_ key: String) -> Double? {
        if case .number(let value)? = attributes[key] { return value }
        return nil
    }

    func requiredNumber(_ key: String) throws -> Double {
        guard let value = number(key) else { throw GoldenError("\(name): no number '\(key)'") }
        return value
    }

    func padding() throws -> Padding {
        let value = try string("padding")
        guard let padding = Padding(rawValue: value) else { throw GoldenError("\(name): unknown padding '\(value)'") }
        return padding
    }

    /// Inputs named x0, x1, ... in order (merge and concatenate cases).
    func numberedInputs() -> [Tensor] {
        (0..<inputs.count).compactMap { inputs["x\($0)"] }
    }
}

enum JSONValue: Sendable, Decodable {
    case number(Double), string(String), bool(Bool), array([JSONValue]), null

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else { self = .array(try container.decode([JSONValue].self)) }
    }
}

/// The reference cases, generated once per test process by the pinned Python into a temporary directory,
/// read into memory, and the directory removed.
enum KernelGoldens {
    private struct Entry: Decodable {
        let op: String
        let attrs: [String: JSONValue]
        let inputs: [String: [Int]]
        let output: [Int]
    }

    private static let all: Result<[String: KernelCase], any Error> = Result { try generate() }

    /// Every case of `op`, in name order; fails if there are none (a test that checks nothing must not pass).
    static func cases(_ op: String) throws -> [KernelCase] {
        let cases = try all.get().values.filter { $0.op == op }.sorted { $0.name < $1.name }
        guard !cases.isEmpty else { throw GoldenError("no golden cases for op '\(op)'") }
        return cases
    }

    private static func generate() throws -> [String: KernelCase] {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("zoo-kernel-goldens-\(ProcessInfo.processInfo.processIdentifier)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try TestEnvironment.runPython("kernels/make_kernel_goldens.py", [directory.path])
        guard result.status == 0 else {
            throw GoldenError("make_kernel_goldens.py failed (\(result.status)):\n\(result.stderr.suffix(3000))")
        }
        let manifest = try JSONDecoder().decode([String: Entry].self,
                                                from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
        func read(_ caseName: String, _ tensorName: String, _ shape: [Int]) throws -> Tensor {
            let data = try Data(contentsOf: directory.appendingPathComponent("\(caseName).\(tensorName).f32"))
            let values = data.withUnsafeBytes { raw in
                (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
            return try Tensor(shape: shape, values: values)
        }
        var cases: [String: KernelCase] = [:]
        for (name, entry) in manifest {
            var inputs: [String: Tensor] = [:]
            for (tensorName, shape) in entry.inputs { inputs[tensorName] = try read(name, tensorName, shape) }
            cases[name] = KernelCase(name: name, op: entry.op, attributes: entry.attrs, inputs: inputs,
                                     expected: try read(name, "output", entry.output))
        }
        return cases
    }
}

/// Normalised max error `max|actual - expected| / max|expected|`, the measure of the parity reports
/// (docs/architecture.md, "Parity policy").
func normalisedError(_ actual: Tensor, _ expected: Tensor) -> Float {
    var maxDifference: Float = 0, maxReference: Float = 0
    for i in 0..<min(actual.count, expected.count) {
        let difference = abs(actual.pointer[i] - expected.pointer[i])
        maxDifference = difference.isNaN ? .infinity : max(maxDifference, difference)
        maxReference = max(maxReference, abs(expected.pointer[i]))
    }
    return maxReference > 0 ? maxDifference / maxReference : maxDifference
}

/// Expects `actual` to match the Keras reference in shape and within `tolerance` normalised error.
func expectMatches(_ actual: Tensor, _ expected: Tensor, _ label: String, tolerance: Float = 1e-5,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, "\(label): shape", sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let error = normalisedError(actual, expected)
    #expect(error <= tolerance, "\(label): normalised error \(error) > \(tolerance)", sourceLocation: sourceLocation)
}

/// The Swift activation for a case's Keras activation attribute (and optional alpha).
func activation(of testCase: KernelCase) throws -> Activation {
    let name = try testCase.string("activation")
    switch (name, testCase.number("alpha")) {
    case ("elu", let alpha?): return .elu(alpha: Float(alpha))
    case ("leaky_relu", let alpha?): return .leakyRelu(alpha: Float(alpha))
    default: return try Activation(kerasName: name)
    }
}

/// A reference case that is missing or malformed (a failure, never a skip).
struct GoldenError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

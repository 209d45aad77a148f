import Foundation
import Testing
import TestSupport
import Tensor

/// One case written by Tests/GoldenOutputs/kernels/make_kernel_goldens.py: the inputs, the attributes of
/// the Keras layer that produced `expected`, and `expected` itself.
struct KernelCase: ReferenceCase, Sendable {
    let name: String
    let op: String
    let attributes: [String: JSONValue]
    let inputs: [String: Tensor]
    let expected: Tensor

    func input(_ name: String) throws -> Tensor {
        guard let tensor = inputs[name] else { throw GoldenError("\(self.name) has no input '\(name)'") }
        return tensor
    }

    /// Inputs named x0, x1, ... in order (merge and concatenate cases).
    func numberedInputs() -> [Tensor] {
        (0..<inputs.count).compactMap { inputs["x\($0)"] }
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
        try TestEnvironment.generateReference("kernels/make_kernel_goldens.py", into: directory)
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

/// Expects `actual` to match the Keras reference in shape and within `tolerance` normalised error; returns the
/// error (infinite when the shapes differ) for the caller's report.
@discardableResult
func expectMatches(_ actual: Tensor, _ expected: Tensor, _ label: String, tolerance: Float = 1e-5,
                   sourceLocation: SourceLocation = #_sourceLocation) -> Float {
    #expect(actual.shape == expected.shape, "\(label): shape", sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return .infinity }
    let error = normalisedError(actual, expected)
    #expect(error <= tolerance, "\(label): normalised error \(error) > \(tolerance)", sourceLocation: sourceLocation)
    return error
}

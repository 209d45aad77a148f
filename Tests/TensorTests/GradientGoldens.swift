import Foundation
import TestSupport
import Tensor

/// One case written by Tests/GoldenOutputs/training/kernel_gradients.py: a Keras layer's attributes, its
/// input x, weights, the upstream gradient g, and TensorFlow's dx, dkernel and dbias for loss = sum(y * g).
struct GradientCase: Sendable, CustomStringConvertible {
    let name: String
    let op: String
    let attributes: [String: JSONValue]
    let tensors: [String: Tensor]

    var description: String { name }

    func tensor(_ name: String) throws -> Tensor {
        guard let tensor = tensors[name] else { throw GoldenError("\(self.name) has no tensor '\(name)'") }
        return tensor
    }

    /// The attributes as a `KernelCase`, to reuse its readers (`integers`, `padding`).
    var kernelCase: KernelCase {
        KernelCase(name: name, op: op, attributes: attributes, inputs: [:], expected: tensors["dx"]!)
    }
}

/// The gradient reference cases, generated once per test process by the pinned Python.
enum GradientGoldens {
    private struct Entry: Decodable {
        let op: String
        let attrs: [String: JSONValue]
        let tensors: [String: [Int]]
    }

    private static let all: Result<[GradientCase], any Error> = Result { try generate() }

    /// Every case of `op`, in name order; fails if there are none.
    static func cases(_ op: String) throws -> [GradientCase] {
        let cases = try all.get().filter { $0.op == op }
        guard !cases.isEmpty else { throw GoldenError("no gradient cases for op '\(op)'") }
        return cases
    }

    private static func generate() throws -> [GradientCase] {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("zoo-kernel-gradients-\(ProcessInfo.processInfo.processIdentifier)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try TestEnvironment.runPython("training/kernel_gradients.py", [directory.path])
        guard result.status == 0 else {
            throw GoldenError("kernel_gradients.py failed (\(result.status)):\n\(result.stderr.suffix(3000))")
        }
        let manifest = try JSONDecoder().decode([String: Entry].self,
                                                from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
        return try manifest.sorted { $0.key < $1.key }.map { name, entry in
            var tensors: [String: Tensor] = [:]
            for (tensorName, shape) in entry.tensors {
                let data = try Data(contentsOf: directory.appendingPathComponent("\(name).\(tensorName).f32"))
                let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                tensors[tensorName] = try Tensor(shape: shape, values: values)
            }
            return GradientCase(name: name, op: entry.op, attributes: entry.attrs, tensors: tensors)
        }
    }
}

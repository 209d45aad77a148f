import Foundation
import TestSupport
import Tensor

/// One case written by Tests/GoldenOutputs/training/layer_gradients.py: a Keras layer's inputs `x0, x1, ...`,
/// the upstream gradient `g` of the loss `sum(y * g)`, and TensorFlow's gradients `dx0, dx1, ...` (plus the
/// layer's parameters and their gradients: `kernel`/`dkernel`, `bias`/`dbias` of Conv2D and Dense, `gamma`/`dgamma`
/// and `beta`/`dbeta` of BatchNormalization).
struct LayerGradientCase: ReferenceCase, Sendable {
    let name: String
    let kind: String
    let attributes: [String: JSONValue]
    let tensors: [String: Tensor]

    func tensor(_ key: String) throws -> Tensor {
        guard let tensor = tensors[key] else { throw GoldenError("\(name) has no tensor '\(key)'") }
        return tensor
    }

    /// `x0, x1, ...` in order.
    var inputs: [Tensor] { (0..<tensors.count).compactMap { tensors["x\($0)"] } }
}

/// The reference cases, generated once per test process by the pinned Python into a temporary directory and
/// read into memory (TensorFlow's start-up dominates, so one process serves every test).
enum LayerGradientReference {
    private struct Entry: Decodable {
        let kind: String
        let attrs: [String: JSONValue]
        let tensors: [String]
    }

    private static let all: Result<[LayerGradientCase], any Error> = Result { try generate() }

    /// Every case of `kind`, in name order; fails if there are none (a test that checks nothing must not pass).
    static func cases(_ kind: String) throws -> [LayerGradientCase] {
        let cases = try all.get().filter { $0.kind == kind }
        guard !cases.isEmpty else { throw GoldenError("layer_gradients.py wrote no '\(kind)' cases") }
        return cases
    }

    private static func generate() throws -> [LayerGradientCase] {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("zoo-layer-gradients-\(ProcessInfo.processInfo.processIdentifier)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try TestEnvironment.generateReference("training/layer_gradients.py", into: directory)
        let manifest = try JSONDecoder().decode([String: Entry].self,
                                                from: Data(contentsOf: directory.appendingPathComponent("layer_gradients.json")))
        let file = try readSafetensors(directory.appendingPathComponent("layer_gradients.safetensors"))
        return try manifest.sorted { $0.key < $1.key }.map { name, entry in
            let tensors = try Dictionary(uniqueKeysWithValues: entry.tensors.map { key in
                guard let tensor = file["\(name)/\(key)"] else { throw GoldenError("\(name)/\(key) is not in the safetensors file") }
                return (key, tensor)
            })
            return LayerGradientCase(name: name, kind: entry.kind, attributes: entry.attrs, tensors: tensors)
        }
    }

    /// The F32 tensors of a safetensors file: an 8-byte little-endian header length, a JSON header mapping names
    /// to dtype, shape and byte range, then the data. (The Converter module's reader is not a dependency here.)
    private static func readSafetensors(_ url: URL) throws -> [String: Tensor] {
        let data = try Data(contentsOf: url)
        let headerLength = data.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        guard let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any] else {
            throw GoldenError("\(url.lastPathComponent): unreadable header")
        }
        var tensors: [String: Tensor] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any], info["dtype"] as? String == "F32",
                  let shape = info["shape"] as? [Int], let range = info["data_offsets"] as? [Int], range.count == 2 else {
                throw GoldenError("\(url.lastPathComponent): '\(name)' is not an F32 tensor")
            }
            let start = 8 + headerLength + range[0], count = (range[1] - range[0]) / 4
            let values = data.withUnsafeBytes { raw in
                (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + $0 * 4, as: UInt32.self))) }
            }
            tensors[name] = try Tensor(shape: shape, values: values)
        }
        return tensors
    }
}

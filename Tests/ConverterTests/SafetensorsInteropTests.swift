import Foundation
import Testing
import TestSupport
@testable import Converter

// Interoperability with Python's safetensors (the Rust loader underneath), run for real.

/// Values that exercise every rounding case of the 16-bit formats.
private let edgeValues: [Float] = [
    0, -0.0,
    Float(bitPattern: 0x0000_0001), -Float(bitPattern: 0x0000_0001),   // smallest F32 subnormal
    0x1p-24, -0x1p-24, 0x1p-25, 0x1.8p-25, 0x1.8p-24, 0x1.ffcp-15,      // F16 subnormals, ties
    0x1p-14, 0x1.ffep-15,                                               // F16 least normal, just below
    1, 0x1.002p0, 0x1.006p0, 0x1.001p0, 0x1.01p0, 0x1.03p0, -0x1.006p0, // F16 and BF16 ties
    0x1.008p0, 0x1.018p0,                                               // BF16 ties, to even both ways
    65504, -65504, 65519, 65520, 65536, -65520,                         // F16 max, round to max, to inf
    .greatestFiniteMagnitude, -.greatestFiniteMagnitude,                // BF16 rounds these to inf
    .leastNormalMagnitude, .infinity, -.infinity,
    .nan, -.nan, Float(bitPattern: 0x7FC0_2000), Float(bitPattern: 0x7F80_0001), Float(bitPattern: 0xFF80_4000),
    3.14159265, -2.7182817, 1e-3, 1e10, -1e-10,
]

/// Writes `dtype` files from Swift and has Python check names, shapes, dtypes, metadata and
/// every stored bit pattern.
@Test(arguments: StorageDType.allCases)
func pythonReadsWhatSwiftWrites(dtype: StorageDType) throws {
    let scratch = try ScratchDirectory()
    var random = SplitMix64(state: 42)
    let randomBits = (0..<40_000).map { _ in Float(bitPattern: UInt32.random(in: .min ... .max, using: &random)) }
    let randomNormal = (0..<3_000).map { _ in Float.random(in: -4...4, using: &random) * Float.random(in: 0...1, using: &random) }
    let tensors: [(name: String, shape: [Int], values: [Float])] = [
        ("edge/values", [edgeValues.count], edgeValues),
        ("conv1/kernel", [3, 1, 10, 100], randomNormal),
        ("scalar", [], [0.1]),
        ("empty", [0, 5], []),
        (#"odd "name" \ é 😀"#, [200, 200], randomBits),
    ]
    let metadata = [
        "format": "zoo/1",
        "graph": #"{"layers": [{"name": "conv1", "op": "conv2d"}], "note": "tab\t newline\n \u{01} é 😀 \\"}"#
            + String(repeating: "x", count: 40_000),
        "preprocess": "caffe",
    ]
    let path = scratch.file("model.safetensors")
    try writeSafetensors(path, tensors, dtype: dtype, metadata: metadata)

    let inputs = tensors.flatMap(\.values)
    try inputs.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: scratch.file("inputs.f32"))) }
    var start = 0
    var described: [[String: Any]] = []
    for tensor in tensors {
        described.append(["name": tensor.name, "shape": tensor.shape, "start": start])
        start += tensor.values.count
    }
    let manifest: [String: Any] = ["file": path, "inputs": scratch.file("inputs.f32"), "dtype": dtype.rawValue,
                                   "tensors": described, "metadata": metadata]
    try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: scratch.file("manifest.json")))

    let result = try TestEnvironment.runPython("safetensors/check_written.py", [scratch.file("manifest.json")])
    try #require(result.status == 0, "check_written.py failed: \(result.stderr)")
    let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(report["problems"] as? [String] == [], "\(report["problems"] ?? result.stdout)")
    #expect(Set(report["keys"] as? [String] ?? []) == Set(tensors.map(\.name)))
}

/// Opens a file written by Python's `save_file`, with metadata, and checks every value.
@Test func swiftReadsWhatPythonWrites() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.file("reference.safetensors")
    let result = try TestEnvironment.runPython("safetensors/write_reference.py", [path])
    try #require(result.status == 0, "write_reference.py failed: \(result.stderr)")

    let file = try SafetensorsFile(path: path)
    #expect(file.metadata == ["format": "pt", "note": "quote \" backslash \\ newline \n tab \t é 😀"])
    #expect(file.verifyDataHash() == .absent)
    #expect(file.headerSize % 8 == 0)
    #expect(Set(file.tensors.map(\.name)) == ["dense/kernel", "dense/bias", "half", "brain", "bytes", "scalar", "empty"])
    #expect(file.tensors.map(\.byteRange.lowerBound) == file.tensors.map(\.byteRange.lowerBound).sorted())

    let kernel = try #require(file.tensor(named: "dense/kernel"))
    #expect(kernel.dtype == "F32" && kernel.shape == [3, 4])
    #expect(try file.floats(of: kernel) == (0..<12).map { Float($0) * 0.25 - 1 })
    let bias = try file.floats(of: #require(file.tensor(named: "dense/bias")))
    #expect(bias.map(\.bitPattern) == [Float.infinity.bitPattern, (-0.0 as Float).bitPattern, 0x0001_16C2])  // 1e-40, a subnormal
    let half = try #require(file.tensor(named: "half"))
    #expect(half.dtype == "F16" && half.shape == [2, 2])
    #expect(try file.floats(of: half) == [0.5, -2, 65504, 0x1p-24])
    let brain = try #require(file.tensor(named: "brain"))
    #expect(brain.dtype == "BF16" && brain.shape == [3])
    #expect(try file.floats(of: brain) == [1.5, -3, 0x1p-130])
    let bytes = try #require(file.tensor(named: "bytes"))
    #expect(bytes.dtype == "U8" && Array(file.rawBytes(of: bytes)) == [1, 2, 255])
    #expect(problem { _ = try file.floats(of: bytes) } == .notFloatTensor(tensor: "bytes", dtype: "U8"))
    let scalar = try #require(file.tensor(named: "scalar"))
    #expect(scalar.shape == [])
    #expect(try file.floats(of: scalar) == [3.5])
    let empty = try #require(file.tensor(named: "empty"))
    #expect(empty.shape == [0, 3] && empty.byteRange.isEmpty)
    #expect(try file.floats(of: empty) == [])
}

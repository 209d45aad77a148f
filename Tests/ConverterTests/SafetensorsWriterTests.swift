import Foundation
import Testing
@testable import Converter

// The writer's contract: exact, deterministic bytes; a verifiable hash; and nothing left behind
// (neither at `path` nor as a temporary file) when anything goes wrong.

private let sample: [(name: String, shape: [Int], values: [Float])] = [
    ("conv/kernel", [2, 3], [1, 2, 3, 4, 5, 6]),
    ("conv/bias", [3], [-1, 0.5, .pi]),
]

@Test func headerBytesAreExactlyAsSpecified() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.file("tiny.safetensors")
    try writeSafetensors(path, [("t", [2], [1, 2])], dtype: .f32, metadata: ["b": "2", "a": "q\"\\\n"])
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let length = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
    let hash = try sha256Hex(of: [1, 2], in: scratch)
    let json = #"{"__metadata__":{"a":"q\"\\\n","b":"2","data_sha256":"\#(hash)"},"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
    let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
    #expect(length == padded.utf8.count && length % 8 == 0)
    #expect(String(decoding: bytes[8..<(8 + length)], as: UTF8.self) == padded)
    #expect(bytes.count == 8 + length + 8)
}

@Test(arguments: StorageDType.allCases)
func sameInputGivesIdenticalBytes(dtype: StorageDType) throws {
    let scratch = try ScratchDirectory()
    var metadata: [String: String] = [:]
    for index in 0..<50 { metadata["key\(index)"] = "value \(index)" }
    try writeSafetensors(scratch.file("a"), sample, dtype: dtype, metadata: metadata)
    try writeSafetensors(scratch.file("b"), sample, dtype: dtype, metadata: metadata)
    let first = try Data(contentsOf: URL(fileURLWithPath: scratch.file("a")))
    #expect(first == (try Data(contentsOf: URL(fileURLWithPath: scratch.file("b")))))
    #expect(try scratch.contents() == ["a", "b"])
}

@Test(arguments: StorageDType.allCases)
func readsBackWhatItWrote(dtype: StorageDType) throws {
    let scratch = try ScratchDirectory()
    let path = scratch.file("m.safetensors")
    try writeSafetensors(path, sample, dtype: dtype, metadata: ["format": "zoo/1"])
    let file = try SafetensorsFile(path: path)
    #expect(file.tensors.map(\.name) == ["conv/kernel", "conv/bias"])
    #expect(file.tensors.map(\.shape) == [[2, 3], [3]])
    #expect(file.tensors.allSatisfy { $0.dtype == dtype.rawValue })
    #expect(file.tensors.map(\.byteRange) == [0..<(6 * dtype.byteWidth), (6 * dtype.byteWidth)..<(9 * dtype.byteWidth)])
    #expect(file.metadata["format"] == "zoo/1")
    #expect(file.metadata["data_sha256"]?.utf8.count == 64)
    #expect(file.dataStart % 8 == 0 && file.fileSize == file.dataStart + 9 * dtype.byteWidth)
    #expect(try file.floats(of: file.tensors[0]) == [1, 2, 3, 4, 5, 6])
    let bias = try file.floats(of: file.tensors[1])
    #expect(bias[0...1] == [-1, 0.5] && abs(bias[2] - .pi) < 0.01)
}

@Test func flippedDataByteFailsTheHash() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.file("m.safetensors")
    try writeSafetensors(path, sample, dtype: .f32)
    let original = try SafetensorsFile(path: path)
    #expect(original.verifyDataHash() == .verified)
    let recorded = try #require(original.metadata["data_sha256"])
    #expect(recorded == (try sha256Hex(of: sample.flatMap(\.values), in: scratch)))

    for offset in [original.dataStart, original.fileSize - 1] {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[offset] ^= 0x01
        let damaged = scratch.file("damaged-\(offset)")
        try bytes.write(to: URL(fileURLWithPath: damaged))
        guard case .mismatch(let expected, let actual) = try SafetensorsFile(path: damaged).verifyDataHash() else {
            Issue.record("flipped byte at \(offset) verified")
            continue
        }
        #expect(expected == recorded && actual != recorded)
    }
}

@Test func wrongElementCountLeavesNothing() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.file("m.safetensors")
    var writer = try SafetensorsWriter(path: path, tensors: sample.map { ($0.name, $0.shape) }, dtype: .f16, metadata: [:])
    #expect(try scratch.contents().count == 1)  // the temporary file, while writing
    try writer.append(sample[0].values)
    #expect(problem { try writer.append([1, 2]) } == .elementCountMismatch(tensor: "conv/bias", expected: 3, actual: 2))
    #expect(try scratch.contents() == [])
    #expect(problem { try writer.append(sample[1].values) } == .writerClosed)
    do {
        try writer.finish()
        Issue.record("finished a failed writer")
    } catch let error as SafetensorsError {
        #expect(error.problem == .writerClosed)
    }
    #expect(try scratch.contents() == [])
}

@Test func droppedWriterLeavesNothing() throws {
    let scratch = try ScratchDirectory()
    do {
        var writer = try SafetensorsWriter(path: scratch.file("m.safetensors"), tensors: sample.map { ($0.name, $0.shape) },
                                           dtype: .f32, metadata: [:])
        try writer.append(sample[0].values)
        let temporary = try scratch.contents()
        #expect(temporary.count == 1 && temporary[0].hasPrefix(".m.safetensors.tmp-"))
    }
    #expect(try scratch.contents() == [])
}

@Test func abortLeavesNothing() throws {
    let scratch = try ScratchDirectory()
    var writer = try SafetensorsWriter(path: scratch.file("m.safetensors"), tensors: sample.map { ($0.name, $0.shape) },
                                       dtype: .bf16, metadata: [:])
    try writer.append(sample[0].values)
    writer.abort()
    #expect(try scratch.contents() == [])
}

@Test func tooFewOrTooManyTensors() throws {
    let scratch = try ScratchDirectory()
    let declared = sample.map { ($0.name, $0.shape) }
    var short = try SafetensorsWriter(path: scratch.file("short"), tensors: declared, dtype: .f32, metadata: [:])
    try short.append(sample[0].values)
    do {
        try short.finish()
        Issue.record("finished with a tensor missing")
    } catch let error as SafetensorsError {
        #expect(error.problem == .incomplete(written: 1, declared: 2))
    }
    #expect(try scratch.contents() == [])

    var long = try SafetensorsWriter(path: scratch.file("long"), tensors: declared, dtype: .f32, metadata: [:])
    for tensor in sample { try long.append(tensor.values) }
    #expect(problem { try long.append([1]) } == .unexpectedTensor(declared: 2))
    #expect(try scratch.contents() == [])
}

@Test func failedWriteKeepsThePreviousFile() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.file("m.safetensors")
    try writeSafetensors(path, sample, dtype: .f32)
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    do {
        var writer = try SafetensorsWriter(path: path, tensors: [("other", [4])], dtype: .f16, metadata: [:])
        #expect(problem { try writer.append([1]) } != nil)
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    #expect(try scratch.contents() == ["m.safetensors"])
    // And a successful write replaces it whole.
    try writeSafetensors(path, [("other", [4], [1, 2, 3, 4])], dtype: .f16)
    #expect(try SafetensorsFile(path: path).tensors.map(\.name) == ["other"])
}

@Test func unwritableDestinationIsAClearError() throws {
    let scratch = try ScratchDirectory()
    let missing = scratch.file("no-such-dir/m.safetensors")
    let error = #expect(throws: SafetensorsError.self) {
        _ = try SafetensorsWriter(path: missing, tensors: [], dtype: .f32, metadata: [:])
    }
    #expect(error?.path == missing)
    #expect(error?.description.hasPrefix("\(missing): cannot create temporary file \(scratch.path)/no-such-dir/.m.safetensors.tmp-") == true)
    #expect(error?.description.hasSuffix(": No such file or directory") == true)

    // A regular file where the directory should be (permissions would not stop root).
    try Data().write(to: URL(fileURLWithPath: scratch.file("plain")))
    let underFile = scratch.file("plain/m.safetensors")
    guard case .io(_, let message) = problem({ _ = try SafetensorsWriter(path: underFile, tensors: [], dtype: .f32, metadata: [:]) }) else {
        Issue.record("no io error for \(underFile)")
        return
    }
    #expect(message == "Not a directory")
    #expect(try scratch.contents() == ["plain"])
}

@Test func badDeclarationsAreRefusedBeforeWriting() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.file("m.safetensors")
    func declare(_ tensors: [(name: String, shape: [Int])], _ metadata: [String: String] = [:]) -> SafetensorsError.Problem? {
        problem { _ = try SafetensorsWriter(path: path, tensors: tensors, dtype: .f32, metadata: metadata) }
    }
    #expect(declare([], ["data_sha256": "x"]) == .reservedMetadataKey("data_sha256"))
    #expect(declare([("__metadata__", [1])]) == .reservedTensorName("__metadata__"))
    #expect(declare([("a", [1]), ("a", [2])]) == .duplicateTensorName("a"))
    #expect(declare([("a", [2, -1])]) == .negativeDimension(tensor: "a", shape: [2, -1]))
    #expect(declare([("a", [1 << 40, 1 << 30])]) == .shapeOverflow(tensor: "a"))
    #expect(declare([("a", [1 << 61]), ("b", [1 << 60])]) == .shapeOverflow(tensor: "a"))
    #expect(try scratch.contents() == [])
}

@Test func emptyFileHasOnlyMetadata() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.file("empty.safetensors")
    try writeSafetensors(path, [], dtype: .f32, metadata: ["format": "zoo/1"])
    let file = try SafetensorsFile(path: path)
    #expect(file.tensors.isEmpty && file.fileSize == file.dataStart)
    #expect(file.verifyDataHash() == .verified)
}

/// Tensors after an odd-length U8 tensor are unaligned; reading them must still work.
@Test func readsUnalignedTensors() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.file("unaligned.safetensors")
    let header = #"{"u":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},"h":{"dtype":"F16","shape":[2],"data_offsets":[3,7]},"f":{"dtype":"F32","shape":[1],"data_offsets":[7,11]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[11,13]}}"#
    let data: [UInt8] = [9, 8, 7, 0x00, 0x3C, 0x00, 0xC0, 0x00, 0x00, 0x20, 0x41, 0xC0, 0x3F]
    try craftFile(path, header: Array(header.utf8), data: data)
    let file = try SafetensorsFile(path: path)
    #expect(file.tensors.map(\.name) == ["u", "h", "f", "b"])
    #expect(try file.floats(of: #require(file.tensor(named: "h"))) == [1, -2])
    #expect(try file.floats(of: #require(file.tensor(named: "f"))) == [10])
    #expect(try file.floats(of: #require(file.tensor(named: "b"))) == [1.5])
    #expect(file.tensor(named: "missing") == nil)
}

/// The SHA-256 of float32 values' bytes, through a file (`sha256Hex` itself is checked below).
private func sha256Hex(of values: [Float], in scratch: ScratchDirectory) throws -> String {
    let path = scratch.file("hash-input")
    try values.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: path)) }
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try sha256Hex(ofFileAt: path)
}

@Test func sha256OfAFile() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.file("data")
    try Data("abc".utf8).write(to: URL(fileURLWithPath: path))
    #expect(try sha256Hex(ofFileAt: path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    // Larger than one read chunk, so the chunk boundary is crossed.
    try Data(repeating: 0x61, count: 5 << 20).write(to: URL(fileURLWithPath: path))
    #expect(try sha256Hex(ofFileAt: path) == "a29968fad2e782aa9f2040a35f05adb97ed8979eb1f572c8c8ea78637e275f3c")
    #expect(problem { _ = try sha256Hex(ofFileAt: scratch.file("missing")) }
            == .io(operation: "open", message: "No such file or directory"))
}

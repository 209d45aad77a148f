import Foundation
import Testing
import TestSupport
@testable import Converter

// Every way a header can be wrong, each on a hand-made file: the reader must report it as its
// own problem, naming the file, and must not crash.

struct DamagedFile: Sendable, CustomTestStringConvertible {
    let label: String
    let bytes: [UInt8]
    let expected: SafetensorsError.Problem
    var testDescription: String { label }

    /// A file with `header` as its JSON, `dataSize` zero bytes of data, and the true length
    /// unless `length` overrides it.
    init(_ label: String, _ header: String, dataSize: Int = 0, length: UInt64? = nil, _ expected: SafetensorsError.Problem) {
        self.init(label, Array(header.utf8), dataSize: dataSize, length: length, expected)
    }

    init(_ label: String, _ header: [UInt8], dataSize: Int = 0, length: UInt64? = nil, _ expected: SafetensorsError.Problem) {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (length ?? UInt64(header.count)).littleEndian) { bytes.append(contentsOf: $0) }
        self.label = label
        self.bytes = bytes + header + [UInt8](repeating: 0, count: dataSize)
        self.expected = expected
    }

    init(raw label: String, _ bytes: [UInt8], _ expected: SafetensorsError.Problem) {
        self.label = label
        self.bytes = bytes
        self.expected = expected
    }
}

private func entry(_ name: String, _ dtype: String = "F32", shape: String = "[1]", offsets: String = "[0,4]") -> String {
    #""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":\#(offsets)}"#
}

let damagedFiles: [DamagedFile] = [
    DamagedFile(raw: "empty file", [], .fileTooShort(size: 0)),
    DamagedFile(raw: "7 bytes", [1, 2, 3, 4, 5, 6, 7], .fileTooShort(size: 7)),
    DamagedFile("length above 100 MB", "{}", length: 100_000_001, .headerTooLarge(length: 100_000_001, limit: 100_000_000)),
    DamagedFile("length 2^64-1", "{}", length: .max, .headerTooLarge(length: .max, limit: 100_000_000)),
    DamagedFile("length past the end", "{}", dataSize: 4, length: 7, .headerBeyondFile(length: 7, fileSize: 14)),
    DamagedFile("invalid UTF-8", [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], .headerNotUTF8),
    DamagedFile("UTF-16 surrogate encoded in UTF-8", [0x7B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x3A, 0x31, 0x7D], .headerNotUTF8),
    DamagedFile("missing value", #"{"a": }"#, .headerNotJSON(detail: "unexpected character at byte 6")),
    DamagedFile("truncated", #"{"a": [1, 2"#, .headerNotJSON(detail: "expected ',' or ']' at byte 11")),
    DamagedFile("text after the object", #"{} x"#, .headerNotJSON(detail: "unexpected text after the value at byte 3")),
    DamagedFile("NUL padding", "{}\0\0\0\0\0\0", .headerNotJSON(detail: "unexpected text after the value at byte 2")),
    DamagedFile("bad escape", #"{"a\q": 1}"#, .headerNotJSON(detail: "invalid escape at byte 3")),
    DamagedFile("lone surrogate escape", #"{"\ud800": 1}"#, .headerNotJSON(detail: "unpaired surrogate at byte 8")),
    DamagedFile("raw newline in a string", "{\"a\nb\": 1}", .headerNotJSON(detail: "control character in a string at byte 3")),
    DamagedFile("nested 100 deep", "{\"a\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}",
                .headerNotJSON(detail: "nested more than 64 levels deep at byte 68")),
    DamagedFile("array", "[1, 2]", .headerNotObject),
    DamagedFile("empty header", "", .headerNotJSON(detail: "unexpected end of input at byte 0")),
    DamagedFile("duplicate tensor", "{" + entry("t") + "," + entry("t") + "}", dataSize: 4, .duplicateKey("t")),
    DamagedFile("duplicate field", #"{"t":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}"#, dataSize: 4, .duplicateKey("dtype")),
    DamagedFile("metadata an array", #"{"__metadata__": ["a"]}"#, .metadataNotObject),
    DamagedFile("metadata a string", #"{"__metadata__": "a"}"#, .metadataNotObject),
    DamagedFile("metadata value a number", #"{"__metadata__": {"a": "b", "n": 1}}"#, .metadataValueNotString(key: "n")),
    DamagedFile("metadata value an object", #"{"__metadata__": {"o": {}}}"#, .metadataValueNotString(key: "o")),
    DamagedFile("entry a number", #"{"t": 5}"#, .entryNotObject(tensor: "t")),
    DamagedFile("no dtype", #"{"t":{"shape":[1],"data_offsets":[0,4]}}"#, dataSize: 4, .missingField(tensor: "t", field: "dtype")),
    DamagedFile("no shape", #"{"t":{"dtype":"F32","data_offsets":[0,4]}}"#, dataSize: 4, .missingField(tensor: "t", field: "shape")),
    DamagedFile("no data_offsets", #"{"t":{"dtype":"F32","shape":[1]}}"#, dataSize: 4, .missingField(tensor: "t", field: "data_offsets")),
    DamagedFile("dtype a number", "{" + entry("t", "F32").replacingOccurrences(of: "\"F32\"", with: "32") + "}", dataSize: 4,
                .wrongFieldType(tensor: "t", field: "dtype", expected: "a string")),
    DamagedFile("shape a string", "{" + entry("t", shape: "\"[1]\"") + "}", dataSize: 4,
                .wrongFieldType(tensor: "t", field: "shape", expected: "an array of integers")),
    DamagedFile("shape holds true", "{" + entry("t", shape: "[true]") + "}", dataSize: 4,
                .wrongFieldType(tensor: "t", field: "shape", expected: "an array of integers")),
    DamagedFile("shape holds 1.0", "{" + entry("t", shape: "[1.0]") + "}", dataSize: 4,
                .wrongFieldType(tensor: "t", field: "shape", expected: "an array of integers")),
    DamagedFile("shape holds 1e0", "{" + entry("t", shape: "[1e0]") + "}", dataSize: 4,
                .wrongFieldType(tensor: "t", field: "shape", expected: "an array of integers")),
    DamagedFile("one offset", "{" + entry("t", offsets: "[4]") + "}", dataSize: 4,
                .wrongFieldType(tensor: "t", field: "data_offsets", expected: "an array of two integers")),
    DamagedFile("three offsets", "{" + entry("t", offsets: "[0,4,4]") + "}", dataSize: 4,
                .wrongFieldType(tensor: "t", field: "data_offsets", expected: "an array of two integers")),
    DamagedFile("offsets null", "{" + entry("t", offsets: "null") + "}", dataSize: 4,
                .wrongFieldType(tensor: "t", field: "data_offsets", expected: "an array of two integers")),
    DamagedFile("unknown dtype", "{" + entry("t", "Q8") + "}", dataSize: 4, .unknownDType(tensor: "t", dtype: "Q8")),
    DamagedFile("sub-byte dtype", "{" + entry("t", "F4") + "}", dataSize: 4, .unknownDType(tensor: "t", dtype: "F4")),
    DamagedFile("lowercase dtype", "{" + entry("t", "f32") + "}", dataSize: 4, .unknownDType(tensor: "t", dtype: "f32")),
    DamagedFile("negative dimension", "{" + entry("t", shape: "[-1,2]", offsets: "[0,0]") + "}",
                .negativeDimension(tensor: "t", shape: [-1, 2])),
    DamagedFile("two negatives multiplying to 4", "{" + entry("t", "I8", shape: "[-2,-2]") + "}", dataSize: 4,
                .negativeDimension(tensor: "t", shape: [-2, -2])),
    DamagedFile("element count overflows", "{" + entry("t", shape: "[4294967296,4294967296]") + "}", dataSize: 4,
                .shapeOverflow(tensor: "t")),
    DamagedFile("byte size overflows", "{" + entry("t", shape: "[4611686018427387904]") + "}", dataSize: 4,
                .shapeOverflow(tensor: "t")),
    DamagedFile("dimension beyond Int", "{" + entry("t", shape: "[99999999999999999999]") + "}", dataSize: 4,
                .shapeOverflow(tensor: "t")),
    DamagedFile("offsets descending", "{" + entry("t", shape: "[0]", offsets: "[4,0]") + "}", dataSize: 4,
                .invalidOffsets(tensor: "t", begin: 4, end: 0)),
    DamagedFile("negative offset", "{" + entry("t", offsets: "[-4,0]") + "}",
                .invalidOffsets(tensor: "t", begin: -4, end: 0)),
    DamagedFile("offsets too short for the shape", "{" + entry("t", shape: "[2]", offsets: "[0,4]") + "}", dataSize: 4,
                .sizeMismatch(tensor: "t", expectedBytes: 8, actualBytes: 4)),
    DamagedFile("offsets too long for the dtype", "{" + entry("t", "F16", shape: "[2]", offsets: "[0,8]") + "}", dataSize: 8,
                .sizeMismatch(tensor: "t", expectedBytes: 4, actualBytes: 8)),
    DamagedFile("offsets past the data", "{" + entry("t", shape: "[2]", offsets: "[0,8]") + "}", dataSize: 4,
                .offsetsOutOfBounds(tensor: "t", end: 8, bufferSize: 4)),
    DamagedFile("offset beyond Int", "{" + entry("t", offsets: "[0,99999999999999999999]") + "}", dataSize: 4,
                .offsetsOutOfBounds(tensor: "t", end: nil, bufferSize: 4)),
    DamagedFile("overlapping tensors", "{" + entry("a", shape: "[2]", offsets: "[0,8]") + "," + entry("b", shape: "[2]", offsets: "[4,12]") + "}",
                dataSize: 12, .overlap(tensor: "b", other: "a")),
    DamagedFile("same range twice", "{" + entry("a") + "," + entry("b") + "}", dataSize: 4, .overlap(tensor: "b", other: "a")),
    DamagedFile("empty tensor inside another", "{" + entry("a", shape: "[2]", offsets: "[0,8]") + "," + entry("z", shape: "[0]", offsets: "[4,4]") + "}",
                dataSize: 8, .overlap(tensor: "z", other: "a")),
    DamagedFile("gap at the start", "{" + entry("a", offsets: "[4,8]") + "}", dataSize: 8, .gap(before: "a", from: 0, to: 4)),
    DamagedFile("gap between tensors", "{" + entry("a") + "," + entry("b", offsets: "[8,12]") + "}", dataSize: 12,
                .gap(before: "b", from: 4, to: 8)),
    DamagedFile("data after the last tensor", "{" + entry("a") + "}", dataSize: 8, .bufferNotCovered(coveredTo: 4, bufferSize: 8)),
    DamagedFile("data but no tensors", "{}", dataSize: 1, .bufferNotCovered(coveredTo: 0, bufferSize: 1)),
]

@Test(arguments: damagedFiles)
func damagedHeaderIsReported(_ damaged: DamagedFile) throws {
    let scratch = try ScratchDirectory()
    let path = scratch.file("damaged.safetensors")
    try Data(damaged.bytes).write(to: URL(fileURLWithPath: path))
    do {
        _ = try SafetensorsFile(path: path)
        Issue.record("opened without error")
    } catch let error as SafetensorsError {
        #expect(error.problem == damaged.expected)
        #expect(error.path == path)
        #expect(error.description.hasPrefix(path + ": "))
        #expect(!error.description.contains("\n"))
    }
}

@Test func headersThatAreValid() throws {
    let scratch = try ScratchDirectory()
    let cases: [(header: String, dataSize: Int, tensors: [String])] = [
        ("{}", 0, []),
        (#"{"__metadata__": null}"#, 0, []),
        ("{}      ", 0, []),  // space padding
        ("  {}", 0, []),      // leading whitespace is JSON, and Rust accepts it
        (#"{"__metadata__":{"k":"v"},"e":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}"#, 0, ["e"]),
        ("{" + entry("b", offsets: "[4,8]") + "," + entry("a") + "," + entry("z", shape: "[0,7]", offsets: "[8,8]") + "}", 8, ["a", "b", "z"]),
        (#"{"\u00e9\ud83d\ude00 \"x\"":{"dtype":"I8","shape":[],"data_offsets":[0,1]}}"#, 1, ["é😀 \"x\""]),
    ]
    for (index, test) in cases.enumerated() {
        let path = scratch.file("valid-\(index).safetensors")
        try craftFile(path, header: Array(test.header.utf8), data: [UInt8](repeating: 0, count: test.dataSize))
        let file = try SafetensorsFile(path: path)
        #expect(file.tensors.map(\.name) == test.tensors, "\(test.header)")
        #expect(file.fileSize == 8 + test.header.utf8.count + test.dataSize)
    }
}

@Test func notAFile() throws {
    let scratch = try ScratchDirectory()
    #expect(problem { _ = try SafetensorsFile(path: scratch.path) } == .notRegularFile)
    let missing = scratch.file("missing.safetensors")
    let error = #expect(throws: SafetensorsError.self) { _ = try SafetensorsFile(path: missing) }
    #expect(error?.description == "\(missing): cannot open: No such file or directory")
}

/// The damaged files are damaged by the reference's rules too: Python's safetensors refuses each
/// one, except a duplicate tensor name, where the Rust loader keeps the last entry and Zoo is
/// stricter (the format's README disallows duplicates).
@Test func referenceRejectsTheDamagedFiles() throws {
    let scratch = try ScratchDirectory()
    var labels: [String: String] = [:]
    for (index, damaged) in damagedFiles.enumerated() {
        let path = scratch.file("\(index).safetensors")
        try Data(damaged.bytes).write(to: URL(fileURLWithPath: path))
        labels[path] = damaged.label
    }
    let result = try TestEnvironment.runPython("safetensors/try_open.py", labels.keys.sorted())
    try #require(result.status == 0, "try_open.py failed: \(result.stderr)")
    let outcomes = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    let accepted = outcomes.filter { $0.value is NSNull }.compactMap { labels[$0.key] }
    #expect(outcomes.count == damagedFiles.count)
    #expect(accepted == ["duplicate tensor"])
}

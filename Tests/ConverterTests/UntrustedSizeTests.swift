import Foundation
import Testing
import TestSupport
@testable import Converter

/// Sizes a stranger's file declares (issue 12, §3): each is refused with an error naming the file before any
/// buffer is sized from it. Every case is a hand-made file or config a few hundred bytes long; a reader that
/// believed it would allocate gigabytes or overflow, so "memory stays bounded" is what passing means.
@Suite struct UntrustedSizeTests {
    static func scratch(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-untrusted-\(UUID().uuidString)-\(name)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func safetensors(header: String, dataBytes: Int = 0, declaredLength: UInt64? = nil) -> [UInt8] {
        let json = Array(header.utf8)
        let length = declaredLength ?? UInt64(json.count)
        return withUnsafeBytes(of: length.littleEndian, Array.init) + json + [UInt8](repeating: 0, count: dataBytes)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let inputClass: String
        let label: String
        let bytes: [UInt8]
        var testDescription: String { label }
    }

    static let safetensorsCases: [Case] = [
        Case(inputClass: "shape products that overflow", label: "safetensors shape 2^32 x 2^32 x 16",
             bytes: safetensors(header: #"{"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}}"#)),
        Case(inputClass: "shape products that overflow", label: "safetensors dimension beyond Int64",
             bytes: safetensors(header: #"{"w":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,0]}}"#)),
        Case(inputClass: "header lengths beyond the file", label: "header length 2^40 in a 24-byte file",
             bytes: safetensors(header: "{}", dataBytes: 14, declaredLength: 1 << 40)),
        Case(inputClass: "header lengths beyond the file", label: "header length 1000 in a 24-byte file",
             bytes: safetensors(header: "{}", dataBytes: 14, declaredLength: 1000)),
        Case(inputClass: "strings of gigabytes", label: "a 2 GB header string declared in a 30-byte file",
             bytes: safetensors(header: #"{"":""}"#, dataBytes: 16, declaredLength: 2 << 30)),
        Case(inputClass: "tensor offsets overlapping or past the end", label: "two tensors sharing bytes",
             bytes: safetensors(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, dataBytes: 12)),
        Case(inputClass: "tensor offsets overlapping or past the end", label: "offsets past the end of the data",
             bytes: safetensors(header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, dataBytes: 8)),
        Case(inputClass: "tensor offsets overlapping or past the end", label: "offset near Int64.max",
             bytes: safetensors(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[9223372036854775800,9223372036854775804]}}"#, dataBytes: 8)),
    ]

    @Test(arguments: safetensorsCases)
    func safetensorsSizesAreRefused(_ badCase: Case) throws {
        let path = try Self.scratch("bad.safetensors", badCase.bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: SafetensorsError.self) { try SafetensorsFile(path: path) }
        #expect(error.map { "\($0)".contains(path) } == true, "\(String(describing: error))")
        BadInputRecord.note(badCase.inputClass, badCase.label, outcome: "SafetensorsError (zoo: exit 1)")
    }

    /// A `.keras` archive whose zip directory lies, made from a real one by rewriting one field.
    struct ZipLie: Sendable, CustomTestStringConvertible {
        let label: String
        let patch: @Sendable (inout [UInt8], _ endRecord: Int, _ firstEntry: Int) -> Void
        var testDescription: String { label }
    }

    static func put32(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt32) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
    }

    static func u32(_ bytes: [UInt8], _ offset: Int) -> Int {
        (0..<4).reduce(0) { value, index in value | Int(bytes[offset + index]) << (8 * index) }
    }

    static func endRecord(in bytes: [UInt8]) -> Int? {
        let signature: [UInt8] = [0x50, 0x4B, 0x05, 0x06]
        return (0...(bytes.count - 22)).reversed().first { Array(bytes[$0..<($0 + 4)]) == signature }
    }

    static let zipLies: [ZipLie] = [
        ZipLie(label: "entry count 65535 in a directory of a few") { bytes, end, _ in bytes[end + 10] = 0xFF; bytes[end + 11] = 0xFF },
        ZipLie(label: "directory offset past the end") { bytes, end, _ in put32(&bytes, end + 16, 0x7FFF_FFF0) },
        ZipLie(label: "entry size 2 GB") { bytes, _, entry in put32(&bytes, entry + 20, 0x7FFF_0000); put32(&bytes, entry + 24, 0x7FFF_0000) },
        ZipLie(label: "entry offset saturated, no ZIP64 field") { bytes, _, entry in put32(&bytes, entry + 42, 0xFFFF_FFFF) },
        ZipLie(label: "entry offset inside the directory") { bytes, _, entry in
            put32(&bytes, entry + 42, UInt32(entry))
        },
        ZipLie(label: "entry sizes saturated with a short ZIP64 field") { bytes, _, entry in
            put32(&bytes, entry + 20, 0xFFFF_FFFF); put32(&bytes, entry + 24, 0xFFFF_FFFF)
            let nameLength = Int(bytes[entry + 28]) | Int(bytes[entry + 29]) << 8
            let extra = entry + 46 + nameLength
            bytes[extra] = 0x01; bytes[extra + 1] = 0x00; bytes[extra + 2] = 0x04; bytes[extra + 3] = 0x00
            bytes[entry + 30] = 4; bytes[entry + 31] = 0
        },
    ]

    @Test(arguments: zipLies)
    func kerasArchiveWhoseDirectoryLies(_ lie: ZipLie) throws {
        let fixture = TestEnvironment.fixtures.appendingPathComponent("tiny_sequential/k3.keras")
        var bytes = [UInt8](try Data(contentsOf: fixture))
        let end = try #require(Self.endRecord(in: bytes), "no end-of-central-directory record in \(fixture.path)")
        let directory = Self.u32(bytes, end + 16)
        lie.patch(&bytes, end, directory)
        let path = try Self.scratch("lie.keras", bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: ConversionError.self) { try KerasCheckpoint(path: path) }
        #expect(error.map { "\($0)".contains(path) } == true, "\(String(describing: error))")
        BadInputRecord.note("a .keras whose zip directory lies", lie.label, outcome: "ConversionError (zoo: exit 1)")
    }

    static func sequential(_ layers: String) -> String {
        #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "InputLayer", "config": {"name": "in", "batch_shape": [null, 8, 8, 3]}}, "# + layers + "]}}"
    }

    static let configCases: [(label: String, inputClass: String, json: String)] = [
        ("Dense units 2^40", "shape products that overflow",
         sequential(#"{"class_name": "Dense", "config": {"name": "d", "units": 1099511627776}}"#)),
        ("Dense kernel of 2^24 x 2^24 x 2^24 inputs", "shape products that overflow",
         #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "InputLayer", "config": {"name": "in", "batch_shape": [null, 16777216, 16777216, 16777216]}}, {"class_name": "Flatten", "config": {"name": "f"}}, {"class_name": "Dense", "config": {"name": "d", "units": 16}}]}}"#),
        ("input dimension 2^62", "shape products that overflow",
         #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "InputLayer", "config": {"name": "in", "batch_shape": [null, 4611686018427387904, 3]}}]}}"#),
        ("Conv2D strides 0 (found by fuzzing: division by zero)", "config sizes out of range",
         sequential(#"{"class_name": "Conv2D", "config": {"name": "c", "filters": 4, "kernel_size": [3, 3], "strides": [0, 1], "padding": "same"}}"#)),
        ("MaxPooling2D pool_size -1", "config sizes out of range",
         sequential(#"{"class_name": "MaxPooling2D", "config": {"name": "p", "pool_size": [-1, 2], "padding": "valid"}}"#)),
        ("100,000 nested arrays", "configs nested thousands deep",
         String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)),
        ("3,000 nested Sequential models", "configs nested thousands deep",
         String(repeating: #"{"class_name": "Sequential", "config": {"name": "s", "layers": ["#, count: 3000)
            + #"{"class_name": "Dense", "config": {"name": "d", "units": 1}}"# + String(repeating: "]}}", count: 3000)),
    ]

    @Test(arguments: configCases.indices)
    func configSizesAreRefused(_ index: Int) throws {
        let (label, inputClass, json) = Self.configCases[index]
        let importer = KerasConfigImporter(file: "hostile.json")
        let error = #expect(throws: ConversionError.self, "\(label)") { try importer.importGraph(json: json) }
        #expect(error.map { "\($0)".contains("hostile.json") } == true, "\(label): \(String(describing: error))")
        _ = try? importer.v3Paths(json: json)   // must not crash either
        BadInputRecord.note(inputClass, label, outcome: "ConversionError (zoo: exit 1)")
    }
}

import Foundation
import Testing
import TestSupport

/// Every reference checkpoint, in every format Keras writes, converted by `zoo convert` and
/// compared with the tensors Keras holds, bit for bit, by Python's safetensors.
@Suite(.serialized) struct ConversionTests {
    @Test func committedCheckpointsConvertExactly() throws {
        try convertAll(try ReferenceSet.committed())
    }

    /// The generated set: the narrow models from every format against their stored tensors, the full-size
    /// models against what Keras loads from their `.keras` files.
    @Test func fullSizeCheckpointsConvertExactly() throws {
        try convertAll(try ReferenceSet.generated())
    }

    /// f16 and bf16 files hold the correctly rounded values (round to nearest even), for every model's Keras 3 file.
    @Test func reducedPrecisionIsCorrectlyRounded() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var pairs: [(String, String, String)] = []
        let committed = try ReferenceSet.committed(), generated = try ReferenceSet.generated()
        let entries = committed.entries.map { ($0, committed) } + generated.entries.map { ($0, generated) }
        for (entry, set) in entries where entry.format == "k3_keras" {
            for dtype in ["f16", "bf16"] {
                let output = directory.appendingPathComponent("\(entry.model).\(dtype).safetensors").path
                let result = try Converting.convert(set.path(entry.path), arch: nil, dtype: dtype, to: output)
                #expect(result.status == 0, "\(entry.path) --dtype \(dtype): \(result.stderr)")
                pairs.append((output, set.path(entry.expected), dtype))
            }
        }
        let failures = try Converting.check(pairs: pairs, in: directory)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func convertingTwiceGivesIdenticalBytes() throws {
        let set = try ReferenceSet.generated()
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (model, format) in [("narrow_resnet50", "tfk_weights"), ("resnet50", "k3_keras")] {
            let entry = try #require(set.entries.first { $0.model == model && $0.format == format })
            let outputs = try (1...2).map { run -> Data in
                let output = directory.appendingPathComponent("\(format)-\(run).safetensors").path
                let result = try Converting.convert(set.path(entry.path), arch: set.architecture(for: entry), to: output)
                #expect(result.status == 0, "\(result.stderr)")
                return try Data(contentsOf: URL(fileURLWithPath: output))
            }
            #expect(outputs[0] == outputs[1], "\(format): two conversions differ")
        }
    }

    /// The metadata names the source and its SHA-256 (computed alongside the conversion and
    /// patched into the header at the end), as Python's hashlib computes it.
    @Test func metadataRecordsTheSourceDigest() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = TestEnvironment.fixtures.appendingPathComponent("tiny_convs/tfk_full.h5").path
        let output = directory.appendingPathComponent("model.safetensors").path
        #expect(try Converting.convert(input, arch: nil, to: output).status == 0)
        let script = """
        import hashlib, json, sys
        from safetensors import safe_open
        with safe_open(sys.argv[1], "np") as f: source = json.loads(f.metadata()["source"])
        print(source["sha256"] == hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest(), source["file"])
        """
        let result = try TestEnvironment.run(try TestEnvironment.python(), ["-c", script, output, input])
        #expect(result.stdout == "True tfk_full.h5\n", "\(result.stdout)\(result.stderr)")
    }

    private func convertAll(_ set: ReferenceSet) throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var pairs: [(String, String, String)] = []
        for (index, entry) in set.entries.enumerated() {
            let output = directory.appendingPathComponent("\(index)-\(entry.model)-\(entry.format).safetensors").path
            let result = try Converting.convert(set.path(entry.path), arch: set.architecture(for: entry), to: output)
            #expect(result.status == 0, "\(entry.path): \(result.stderr)")
            if result.status == 0 { pairs.append((output, set.path(entry.expected), "f32")) }
        }
        #expect(!pairs.isEmpty, "no reference checkpoints in \(set.root.path)")
        let failures = try Converting.check(pairs: pairs, in: directory)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}

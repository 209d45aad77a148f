import Foundation
import Testing
import TestSupport

/// `zoo convert --partial` and Keras 3 subclassed models, against checkpoints Keras 3 writes
/// (Tests/GoldenOutputs/partial/partial_checkpoints.py): a tiny backbone taken out of a functional model and out of
/// a subclassed one (whose file is keyed by attribute names), VGG16's convolutional base out of a fine-tuned
/// subclassed model, and the refusals when a needed tensor is missing or has the wrong shape. Converted tensors
/// are compared bit for bit with what Keras holds after loading the backbone it saved (check_converted.py).
@Suite(.serialized) struct PartialConversionTests {
    /// The script runs once per test process (TensorFlow's start-up and VGG16 dominate); the directory,
    /// about 120 MB, goes when the process exits.
    static let reference = Result { try generate() }

    /// partial.json: the tensors h5py finds in each weights file (path -> shape), and where the wrong kernel sits.
    struct Listing: Decodable {
        let tensors: [String: [String: [Int]]]
        let wrong_shape_kernel: String
    }

    /// The backbone out of a functional model with a Dense head, from its weights file and its archive, and out of a
    /// subclassed model holding the same layers under other attribute names (and optimizer variables): the
    /// backbone's tensors exactly, and the head listed as left out.
    @Test(arguments: [("functional.weights.h5", "/layers/dense"), ("functional.keras", "/layers/dense"),
                      ("subclassed.weights.h5", "/classifier"), ("subclassed.keras", "/classifier")])
    func backboneOutOfALargerModel(file: String, head: String) throws {
        let directory = try Self.reference.get()
        let output = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: output) }
        let converted = output.appendingPathComponent("backbone.safetensors").path
        let result = try convert(directory, file, arch: directory.appendingPathComponent("backbone.keras").path, to: converted, partial: true)
        try #require(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(": 8 tensors,"), "\(result.stdout)")
        #expect(result.stdout.contains("left out 2 tensors of 1 layer:\n  head: \(head)/vars/0 (6, 3)\n  head: \(head)/vars/1 (3)"),
                "\(result.stdout)")
        let failures = try Converting.check(pairs: [(converted, directory.appendingPathComponent("backbone.safetensors").path, "f32")], in: output)
        #expect(failures.isEmpty, "\(failures)")

        let whole = try convert(directory, file, arch: directory.appendingPathComponent("backbone.keras").path, to: output.appendingPathComponent("whole.safetensors").path, partial: false)
        #expect(whole.status == 1 && whole.stderr.contains("holds weights for 'head', a layer architecture"), "without --partial: \(whole.stderr)")
    }

    /// The real case: VGG16's convolutional base out of a fine-tuned subclassed model (VGG16 notop as its `backbone`
    /// attribute, a Dense head), as `keras.applications.VGG16(include_top=False)` holds it after Keras saved it, and
    /// computing what that Keras model computes, layer by layer (`zoo verify`).
    @Test func vgg16BaseOutOfAFineTunedModel() throws {
        let directory = try Self.reference.get()
        let output = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: output) }
        let converted = output.appendingPathComponent("vgg16_notop.safetensors").path
        let result = try convert(directory, "vgg_finetuned.weights.h5", arch: "vgg16-notop", to: converted, partial: true)
        try #require(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(": 26 tensors, 14,714,688 parameters,"), "\(result.stdout)")
        #expect(result.stdout.contains("left out 2 tensors of 1 layer:\n  head: /head/vars/0 (512, 3)\n  head: /head/vars/1 (3)"), "\(result.stdout)")
        let failures = try Converting.check(pairs: [(converted, directory.appendingPathComponent("vgg16_notop.safetensors").path, "f32")], in: output)
        #expect(failures.isEmpty, "\(failures)")
        let golden = directory.appendingPathComponent("vgg16_notop.activations.safetensors").path
        let verify = try TestEnvironment.run(TestEnvironment.zooBinary(), ["verify", converted, "--golden", golden])
        #expect(verify.status == 0, "every layer's output as Keras' VGG16 computes it: \(verify.stdout.suffix(600)) \(verify.stderr)")
    }

    /// A needed layer absent, or a kernel of the wrong shape: one line naming the file, the tensor and the shapes,
    /// a non-zero exit, and no output left behind.
    @Test func refusesAMissingTensorAndAWrongShape() throws {
        let directory = try Self.reference.get()
        let listing = try Self.listing(directory)
        try expectRefusal(directory, "missing.weights.h5",
                          ["missing.weights.h5", "layer 'b_conv2'", "'b_conv2/kernel' (3, 3, 4, 6)", "'b_conv2/bias' (6)"])
        try expectRefusal(directory, "wrong_shape.weights.h5",
                          ["wrong_shape.weights.h5", listing.wrong_shape_kernel, "tensor 'b_conv2/kernel'", "(3, 3, 4, 5) in the file", "expects (3, 3, 4, 6)"])
    }

    /// `zoo inspect` lists every tensor of a subclassed model's file, as h5py finds them under the `vars` groups
    /// (optimizer variables apart), with their shapes.
    @Test(arguments: ["subclassed.weights.h5", "vgg_finetuned.weights.h5"])
    func inspectListsEveryTensorOfASubclassedModel(file: String) throws {
        let directory = try Self.reference.get()
        let expected = try #require(try Self.listing(directory).tensors[file])
        let result = try TestEnvironment.run(TestEnvironment.zooBinary(), ["inspect", directory.appendingPathComponent(file).path, "--json"])
        try #require(result.status == 0, "\(result.stderr)")
        struct Report: Decodable { struct Tensor: Decodable { let name: String; let shape: [Int] }; let tensors: [Tensor] }
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(report.tensors.count == expected.count)
        #expect(Dictionary(report.tensors.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first }) == expected)
    }

    // MARK: Helpers

    private func convert(_ directory: URL, _ file: String, arch: String, to output: String, partial: Bool) throws -> TestEnvironment.Result {
        let arguments = ["convert", directory.appendingPathComponent(file).path, "-o", output, "--arch", arch, "--quiet"]
        return try TestEnvironment.run(TestEnvironment.zooBinary(), arguments + (partial ? ["--partial"] : []))
    }

    private func expectRefusal(_ directory: URL, _ file: String, _ phrases: [String]) throws {
        let output = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: output) }
        let result = try convert(directory, file, arch: directory.appendingPathComponent("backbone.keras").path,
                                 to: output.appendingPathComponent("out.safetensors").path, partial: true)
        #expect(result.status == 1, "\(file): exit status \(result.status)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line of error: \(result.stderr)")
        for phrase in phrases { #expect(result.stderr.contains(phrase), "missing '\(phrase)' in: \(result.stderr)") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: output.path).isEmpty, "output left behind")
    }

    private static func listing(_ directory: URL) throws -> Listing {
        try JSONDecoder().decode(Listing.self, from: Data(contentsOf: directory.appendingPathComponent("partial.json")))
    }

    private static func generate() throws -> URL {
        atexit { try? FileManager.default.removeItem(at: PartialConversionTests.scratch()) }
        let directory = scratch()
        try TestEnvironment.generateReference("partial/partial_checkpoints.py", into: directory)
        return directory
    }

    private static func scratch() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("zoo-partial-\(getpid())")
    }
}

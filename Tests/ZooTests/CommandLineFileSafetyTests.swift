import Foundation
import Testing
import Tensor
import TestSupport

/// The real `zoo` binary on the paths people give it: `convert` never writes over its input and replaces another
/// existing file only with --force; `verify --report` checks every report path before the parity run; wrong inputs
/// (a folder, a Keras file where a converted one belongs, `--top -1`) are answered in one line that says what to do,
/// never with a Foundation error domain.
@Suite struct CommandLineFileSafetyTests {
    private let keras = TestEnvironment.fixtures.appendingPathComponent("tiny_vgg/k3.keras")

    /// However the output names the input (the same path, another spelling, a symbolic or hard link), with or
    /// without --force, the conversion is refused and the input keeps its bytes.
    @Test func convertNeverWritesOverItsInput() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("model.keras")
        try FileManager.default.copyItem(at: keras, to: input)
        let original = try Data(contentsOf: input)
        let symbolic = directory.appendingPathComponent("link.safetensors").path
        let hard = directory.appendingPathComponent("hard.safetensors").path
        try FileManager.default.createSymbolicLink(atPath: symbolic, withDestinationPath: input.path)
        try FileManager.default.linkItem(atPath: input.path, toPath: hard)
        let spellings = [input.path, directory.appendingPathComponent("sub/../model.keras").path, symbolic, hard]
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("sub"), withIntermediateDirectories: false)
        for output in spellings {
            for force in [false, true] {
                let result = try zoo(["convert", input.path, "-o", output, "--quiet"] + (force ? ["--force"] : []))
                #expect(result.status == 1, "\(output) force=\(force): \(result.stdout)")
                #expect(result.stderr == "Error: \(output): is the input file; give another output name with -o\n")
                #expect(try Data(contentsOf: input) == original, "\(output) force=\(force): the input changed")
            }
        }
    }

    /// An existing output is kept (exit 1, one line naming --force); with --force it is replaced by the
    /// conversion, through a temporary file that does not outlive the run.
    @Test func convertReplacesAnExistingFileOnlyWithForce() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out.safetensors")
        try Data("keep me".utf8).write(to: output)
        let refused = try zoo(["convert", keras.path, "-o", output.path, "--quiet"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "Error: \(output.path): already exists; pass --force to replace it\n")
        #expect(try String(contentsOf: output, encoding: .utf8) == "keep me")

        let forced = try zoo(["convert", keras.path, "-o", output.path, "--quiet", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.hasPrefix("\(output.path): 32 tensors, 2,807 parameters"), "\(forced.stdout)")
        let inspected = try zoo(["inspect", output.path])
        #expect(inspected.status == 0 && inspected.stdout.contains("data hash: verified"), "\(inspected.stdout) \(inspected.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.safetensors"])

        let folder = try zoo(["convert", keras.path, "-o", directory.path, "--quiet", "--force"])
        #expect(folder.stderr == "Error: \(directory.path): cannot write the output: it is a directory (give a file name)\n")
    }

    /// `export --keras` onto an existing file: kept without --force (one line, before the export); with it, replaced
    /// by a whole HDF5 file, and no temporary file is left.
    @Test func exportReplacesAnExistingFileOnlyWithForce() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try convertTinyVGG(into: directory)
        let output = directory.appendingPathComponent("tuned.weights.h5")
        try Data("keep me".utf8).write(to: output)
        let export = ["export", model, "--keras", output.path, "--config", keras.path]
        let refused = try zoo(export)
        #expect(refused.status == 1)
        #expect(refused.stderr == "Error: \(output.path): already exists; pass --force to replace it\n")
        #expect(try String(contentsOf: output, encoding: .utf8) == "keep me")

        let forced = try zoo(export + ["--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try Data(contentsOf: output).prefix(8) == Data([0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]), "the export is an HDF5 file")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)) == ["tiny_vgg.safetensors", "tuned.weights.h5"])
    }

    /// A folder where the report's file name belongs, a missing folder, or the model itself fails in one line before
    /// the parity run (nothing on standard output); a good path gets the Markdown, the plot and the table, and
    /// nothing else (no temporary file left).
    @Test func verifyReportPathsAreCheckedBeforeTheRun() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try convertTinyVGG(into: directory)
        let golden = try TestEnvironment.activations(of: "tiny_vgg")
        let reports = directory.appendingPathComponent("reports")
        try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: false)
        let missing = reports.appendingPathComponent("missing/parity.md").path
        let cases = [
            (reports.path, "Error: \(reports.path): cannot write the report: it is a directory (give a file name)\n"),
            (missing, "Error: \(missing): cannot write the report: the folder \(reports.path)/missing does not exist\n"),
            (model, "Error: \(model): is an input of this run (the model or the golden file); give --report another name\n"),
        ]
        let modelBytes = try Data(contentsOf: URL(fileURLWithPath: model))
        for (report, message) in cases {
            let result = try zoo(["verify", model, "--golden", golden, "--report", report])
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty, "the parity run started: \(result.stdout.prefix(200))")
            #expect(result.stderr == message)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == modelBytes, "the model was written over")
        let written = try zoo(["verify", model, "--golden", golden, "--report", reports.appendingPathComponent("parity.md").path])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: reports.path)) == ["parity.md", "parity.svg", "parity.csv"])
    }

    /// Each wrong input is named with what to do about it, exit 1 (64 for a bad option value), no Foundation error
    /// domain: a folder or a missing file, a Keras file where a converted one belongs, a folder to create under a file.
    @Test func wrongInputsSayWhatToDo() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try convertTinyVGG(into: directory)
        let image = directory.appendingPathComponent("image.png").path
        try Data("not decoded: the model is checked first".utf8).write(to: URL(fileURLWithPath: image))
        let full = TestEnvironment.fixtures.appendingPathComponent("tiny_vgg/tfk_full.h5").path
        let golden = try TestEnvironment.activations(of: "tiny_vgg")
        let missing = directory.appendingPathComponent("missing.json").path
        let cases: [(arguments: [String], status: Int32, message: String)] = [
            (["convert", directory.path, "-o", directory.appendingPathComponent("x.safetensors").path],
             1, "\(directory.path): is a directory, not a file"),
            (["predict", directory.path, image], 1, "\(directory.path): is a directory, not a file"),
            (["predict", model, directory.path], 1, "\(directory.path): is a directory, not a file"),
            (["predict", keras.path, image], 1,
             "\(keras.path): this is a Keras file: run `zoo convert \(keras.path) -o \(keras.deletingPathExtension().path).safetensors` first"),
            (["verify", full, "--golden", golden], 1,
             "\(full): this is a Keras file: run `zoo convert \(full) -o \((full as NSString).deletingPathExtension).safetensors` first"),
            (["predict", model, image, "--top", "-1"], 64, "--top must be a positive number, not -1"),
            (["inspect", directory.path], 1, "\(directory.path): is a directory, not a file"),
            (["export", model, "--keras", directory.appendingPathComponent("out.weights.h5").path, "--config", missing], 1, "\(missing): no such file"),
            (["export", model, "--keras", directory.path, "--config", keras.path], 1,
             "\(directory.path): cannot write the Keras weights file: it is a directory (give a file name)"),
            (["fetch", "vgg16", "--to", image + "/weights"], 1, "\(image)/weights: cannot create the folder: Not a directory"),
            (["train", model, "--data", directory.path, "--epochs", "1", "--batch-size", "1", "-o", model], 1,
             "\(model): is the model being trained; give another output name with -o (the starting weights stay as they are)"),
        ]
        for test in cases {
            let result = try zoo(test.arguments)
            #expect(result.status == test.status, "\(test.arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("Error: \(test.message)\n"), "\(test.arguments): \(result.stderr)")
            #expect(!result.stderr.contains("Domain"), "\(result.stderr)")
        }
    }

    /// `zoo --version`: the converter version files record, the commit (ZOO_COMMIT wins), the CPU model and the
    /// kernel path chosen at start-up (the best the CPU supports, unless ZOO_CPU forces one).
    @Test func versionNamesTheCommitAndTheKernelPath() throws {
        let result = try TestEnvironment.run(TestEnvironment.zooBinary(), ["--version"], environment: ["ZOO_COMMIT": "v9-test"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "zoo 0.1.0")
        #expect(lines.contains("commit: v9-test"), "\(result.stdout)")
        #expect(lines.contains { $0.hasPrefix("cpu: ") && $0.count > 5 }, "\(result.stdout)")
        let forced = ProcessInfo.processInfo.environment["ZOO_CPU"]
        let expected = forced.map { "kernels: \($0) (" } ?? "kernels: \(KernelPath.supported.last!.rawValue) ("
        #expect(lines.contains { $0.hasPrefix(expected) }, "\(result.stdout)")
    }

    /// ZOO_CPU forces the generic path (every x86-64 has it) and says so; an unknown path is one line and status 2.
    @Test func zooCPUForcesAPathOrFailsInOneLine() throws {
        let forced = try TestEnvironment.run(TestEnvironment.zooBinary(), ["--version"], environment: ["ZOO_CPU": "generic"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.contains("kernels: generic (") && forced.stdout.contains("forced by ZOO_CPU=generic"), "\(forced.stdout)")
        let unknown = try TestEnvironment.run(TestEnvironment.zooBinary(), ["--version"], environment: ["ZOO_CPU": "sse9"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "zoo: ZOO_CPU=sse9 is not a kernel path; use avx512, avx2 or generic, or unset it\n", "\(unknown.stderr)")
        #expect(unknown.stdout.isEmpty)
    }

    private func zoo(_ arguments: [String]) throws -> TestEnvironment.Result {
        try TestEnvironment.run(TestEnvironment.zooBinary(), arguments)
    }

    private func convertTinyVGG(into directory: URL) throws -> String {
        let output = directory.appendingPathComponent("tiny_vgg.safetensors").path
        let result = try Converting.convert(keras.path, arch: nil, to: output)
        try #require(result.status == 0, "\(result.stderr)")
        return output
    }
}

import Bench
import Foundation
import Testing
import TestSupport

/// `zoo bench --quick` end to end, as a user runs it: every recipe under both protocols on the synthetic sets, the
/// bases converted from the reference generator's Keras checkpoints and checked against Keras' activations, the head
/// phase and then the fine-tuning phase, one results.jsonl line per run and phase with its provenance, and the
/// report's files; then a second call refuses to overwrite the results, and `--resume` skips every finished run.
@Suite struct BenchQuickTests {
    @Test func quickBenchRunsEveryRecipeAndResumes() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let zoo = try TestEnvironment.zooBinary()
        let environment = ["ZOO_GOLDEN": try TestEnvironment.golden().path,
                           "ZOO_GOLDEN_ACTIVATIONS": try TestEnvironment.goldenActivations().path]
        let arguments = ["bench", "--quick", "--quiet", "--recipe-dir", TestEnvironment.repositoryRoot.appendingPathComponent("Benchmarks/recipes").path,
                         "--out", out.path, "--feature-cache", out.appendingPathComponent("features").path]
        let first = try TestEnvironment.run(zoo, arguments, environment: environment)
        #expect(first.status == 0, "\(first.stderr.suffix(3000))")

        let contents = try ResultsLog(url: out.appendingPathComponent("results.jsonl")).read()
        #expect(contents.warnings.isEmpty)
        #expect(contents.records.count == 20)   // five recipes x two protocols x two phases
        #expect(Set(contents.records.map(\.recipe)) == ["vgg16-tb", "vgg19-tb", "attention-vgg16-tb", "resnet50-melanoma", "resnet50-melanoma-flatten"])
        for record in contents.records {
            #expect(record.provenance.parityVerdict.hasPrefix("PASS"), "\(record.recipe): \(record.provenance.parityVerdict)")
            #expect(record.provenance.convertedSHA256?.count == 64 && record.provenance.recipeSHA256.count == 64)
            #expect(record.notes.contains { $0.contains("prove the pipeline, not the model") })
            #expect(record.test.scores.count == record.test.labels.count)
            switch record.phase {
            case "head": #expect(record.history.count == 2)
            case "fine_tune":
                #expect(record.history.count == 1)
                #expect(record.notes.contains { $0.hasPrefix("fine-tuning phase") }, "\(record.recipe): \(record.notes)")
            default: Issue.record("unexpected phase '\(record.phase)'")
            }
        }
        #expect(contents.records.filter { $0.phase == "fine_tune" }.count == 10)
        for file in ["accuracy.md", "accuracy.csv", "latency.md", "latency.csv", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }

        let again = try TestEnvironment.run(zoo, arguments, environment: environment)
        #expect(again.status != 0 && again.stderr.contains("--resume"))
        let resumed = try TestEnvironment.run(zoo, arguments + ["--resume"], environment: environment)
        #expect(resumed.status == 0, "\(resumed.stderr.suffix(2000))")
        #expect(resumed.stderr.components(separatedBy: "already in results.jsonl, skipped").count - 1 == 10)
        #expect(try ResultsLog(url: out.appendingPathComponent("results.jsonl")).read().records.count == 20)
    }
}

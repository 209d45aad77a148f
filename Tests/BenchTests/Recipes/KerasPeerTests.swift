import Bench
import Foundation
import Testing
import TestSupport

/// `zoo bench --peer keras`: Keras builds every recipe with the notebooks' trainable parameters, and one quick run
/// goes through both engines on the same images, from the same checkpoint, into the headline.
@Suite struct KerasPeerTests {
    static let recipes = TestEnvironment.repositoryRoot.appendingPathComponent("Benchmarks/recipes")
    static let script = TestEnvironment.repositoryRoot.appendingPathComponent("Benchmarks/peers/keras_recipe.py")

    @Test func kerasCountsEveryRecipesTrainableParametersAsTheNotebooksDid() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.recipes.path).filter { $0.hasSuffix(".json") }.sorted()
        let result = try TestEnvironment.run(try TestEnvironment.python(),
                                             [Self.script.path, "--check-parameters"] + files.map { Self.recipes.appendingPathComponent($0).path },
                                             environment: ["TF_CPP_MIN_LOG_LEVEL": "3"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr.suffix(2000))")
        for (recipe, count) in [("vgg16-tb", "132,866"), ("vgg19-tb", "132,866"), ("attention-vgg16-tb", "102,403"),
                                ("resnet50-melanoma", "135,362"), ("resnet50-melanoma-flatten", "6,422,722")] {
            #expect(result.stdout.contains("\(recipe): Keras counts \(count) trainable parameters, the recipe says \(count): ok"), "\(result.stdout)")
        }
    }

    /// keras_recipe.py's image streams inside Keras' own fit and predict (bench/keras_peer_streams.py): every test
    /// score belongs to its image on a split of several batches, and fit reads the continued stream batch for batch.
    @Test func kerasStreamsScoreEveryImageInOrderAndContinueAcrossEpochs() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-peer-streams-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let result = try TestEnvironment.runPython("bench/keras_peer_streams.py", [scratch.path])
        #expect(result.status == 0 && result.stdout.contains("ok"), "\(result.stdout)\(result.stderr.suffix(2000))")
    }

    @Test func quickPeerRunPairsKerasWithZooInTheHeadline() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-bench-peer-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try TestEnvironment.run(try TestEnvironment.zooBinary(), [
            "bench", "--quick", "--quiet", "--peer", "keras", "--peer-script", Self.script.path, "--recipe-dir", Self.recipes.path,
            "--recipes", "vgg16-tb", "--protocol", "clean", "--out", out.path, "--feature-cache", out.appendingPathComponent("features").path,
        ], environment: ["ZOO_GOLDEN": try TestEnvironment.golden().path, "ZOO_GOLDEN_ACTIVATIONS": try TestEnvironment.goldenActivations().path,
                         "ZOO_PYTHON": try TestEnvironment.python(), "TF_CPP_MIN_LOG_LEVEL": "3"])
        #expect(result.status == 0, "\(result.stderr.suffix(3000))")

        let records = try ResultsLog(url: out.appendingPathComponent("results.jsonl")).read().records
        let zoo = try #require(records.first { $0.engine == "zoo" && $0.phase == "head" })
        let keras = try #require(records.first { $0.engine == "keras" })
        #expect(records.count == 3 && keras.phase == "head", "Zoo's two phases, Keras' head phase")
        #expect(keras.test.images == zoo.test.images && keras.test.labels == zoo.test.labels, "the same test images, in the same order")
        #expect(keras.provenance.sourceCheckpointSHA256 == zoo.provenance.sourceCheckpointSHA256 && keras.provenance.convertedSHA256 == nil)
        #expect(keras.provenance.datasetManifestDigest == zoo.provenance.datasetManifestDigest)
        #expect(keras.threshold.rule == zoo.threshold.rule && keras.metrics != nil && keras.history.count == 2)
        #expect(!keras.timing.featureCache && keras.notes.contains { $0.hasPrefix("Keras 3.") })

        let accuracy = try String(contentsOf: out.appendingPathComponent("accuracy.md"), encoding: .utf8)
        let headline = try #require(accuracy.components(separatedBy: "## ").first { $0.hasPrefix("Zoo vs Keras") })
        #expect(headline.contains("| vgg16-tb | tb | clean | head | 2019 |"), "\(headline)")
        #expect(headline.contains("cached features") && headline.contains("end to end") && headline.contains("quick schedule"))
    }
}

import Foundation
@testable import Bench

/// Synthetic run and latency records with seeded scores: what `zoo bench` would log for a few configurations,
/// including the awkward ones (a test set with one class, a lone run, free text that needs escaping).
enum ReportFixtures {
    /// Few replicates: the metrics' own intervals are tested elsewhere; here only what the report does with them.
    static let bootstrap = try! Bootstrap(replicates: 200, seed: 11)
    static let bandBootstrap = try! Bootstrap(replicates: 150, seed: 5)
    static let seeds: [UInt64] = [1, 2, 3]
    static let testImages = 40
    /// Free text that breaks Markdown tables and HTML unless escaped.
    static let hostileNote = "Keras-initialised base | no ImageNet weights <script>alert(\"x\")</script> & more"
    static let featureBankNote = "feature bank of K=4 augmented views (the notebooks draw fresh augmentation each epoch)"

    static let context = ReportContext(title: "Zoo bench <test>", generatedBy: "zoo 0.0-test (abc1234), fixture records",
                                       bandBootstrap: bandBootstrap, warnings: ["results.jsonl: a test warning"])

    /// Half positive; the labels, and the image names, are the same for every run of a dataset.
    static func labels(count: Int = testImages) -> [Int] { (0..<count).map { $0 % 2 } }

    static func images(_ dataset: String, count: Int = testImages) -> [String] {
        (0..<count).map { "\(dataset)/\($0 % 2 == 1 ? "positive" : "negative")/image\(String(format: "%03d", $0)).png" }
    }

    /// A model's latent evidence per image (label offset plus noise); the engines share it, so their scores are paired.
    static func latent(seed: UInt64, labels: [Int], separation: Double) -> [Double] {
        var generator = SeededGenerator(seed: 77, stream: [seed])
        return labels.map { separation * (Double($0) - 0.5) + normal(&generator) }
    }

    static func scores(_ latent: [Double], engineNoise: Double, stream: UInt64) -> [Double] {
        var generator = SeededGenerator(seed: 91, stream: [stream])
        return latent.map { 1 / (1 + exp(-($0 + engineNoise * normal(&generator)))) }
    }

    private static func normal(_ generator: inout SeededGenerator) -> Double {
        let u = 1 - generator.unit(), v = generator.unit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    static func provenance(_ recipe: String) -> Provenance {
        Provenance(sourceCheckpointSHA256: String(repeating: "a1", count: 32), convertedSHA256: String(repeating: "b2", count: 32),
                   parityVerdict: "pass (max |diff| 2.4e-6)", datasetManifestDigest: String(repeating: "c3", count: 32),
                   recipeSHA256: "\(recipe)-" + String(repeating: "d4", count: 28), zooVersion: "0.0-test", zooCommit: "abc1234",
                   cpuModel: "AMD EPYC (Zen 3)", vectorExtensions: ["avx2", "fma"])
    }

    static func history(seed: UInt64) -> [EpochRecord] {
        (1...6).map { epoch in
            let e = Double(epoch), s = Double(seed)
            return EpochRecord(epoch: epoch, loss: 0.7 / e + 0.01 * s, accuracy: 1 - 0.5 / (e + 1), validationLoss: 0.75 / e + 0.05,
                               validationAccuracy: 1 - 0.55 / (e + 1), learningRate: epoch <= 3 ? 1e-4 : 1e-5, seconds: 2 + 0.1 * s)
        }
    }

    static func run(recipe: String, model: String, dataset: String, engine: String, seed: UInt64, labels: [Int], scores: [Double],
                    notes: [String], wallSeconds: Double) throws -> RunRecord {
        let test = TestPredictions(images: images(dataset, count: labels.count), labels: labels, scores: scores)
        let threshold = Threshold(rule: .equalErrorRate, value: 0.5 + 0.01 * Double(seed))
        let predictions = try test.predictions()
        let metrics = predictions.positives >= 2 && predictions.negatives >= 2
            ? try RunMetrics(predictions, threshold: threshold, bootstrap: bootstrap) : nil
        return RunRecord(recipe: recipe, model: model, dataset: dataset, datasetSource: "synthetic", protocolName: "clean", seed: seed,
                         engine: engine, phase: "fine-tune",
                         evaluationSet: "test split: \(labels.count) images (\(labels.filter { $0 == 1 }.count) positive)",
                         notes: notes, provenance: provenance(recipe), threshold: threshold, test: test, metrics: metrics,
                         history: history(seed: seed),
                         timing: RunTiming(wallSeconds: wallSeconds, featureCachingSeconds: 3.25, meanEpochSeconds: 2.5, featureCache: true))
    }

    /// VGG16-TB by both engines over three seeds (the headline), attention-VGG16 on a test set with one class,
    /// and a lone ResNet50-melanoma run. Made once per test process: each run computes its bootstrap intervals.
    static func runs() throws -> [RunRecord] { try shared.get() }

    private static let shared = Result { try makeRuns() }

    private static func makeRuns() throws -> [RunRecord] {
        let labels = labels()
        var runs: [RunRecord] = []
        for seed in seeds {
            let evidence = latent(seed: seed, labels: labels, separation: 2)
            runs.append(try run(recipe: "vgg16-tb", model: "VGG16", dataset: "tb", engine: "keras", seed: seed, labels: labels,
                                scores: scores(evidence, engineNoise: 0.6, stream: 100 + seed), notes: [featureBankNote],
                                wallSeconds: 300 + Double(seed)))
            runs.append(try run(recipe: "vgg16-tb", model: "VGG16", dataset: "tb", engine: "zoo", seed: seed, labels: labels,
                                scores: scores(evidence, engineNoise: 0.6, stream: seed), notes: [featureBankNote, hostileNote],
                                wallSeconds: 120 + Double(seed)))
        }
        let oneClass = [Int](repeating: 1, count: 12)
        runs.append(try run(recipe: "attention-vgg16-tb", model: "VGG16", dataset: "tb", engine: "zoo", seed: 1, labels: oneClass,
                            scores: scores(latent(seed: 9, labels: oneClass, separation: 2), engineNoise: 0.3, stream: 9),
                            notes: [], wallSeconds: 50))
        runs.append(try run(recipe: "resnet50-melanoma", model: "ResNet50", dataset: "melanoma", engine: "zoo", seed: 4, labels: labels,
                            scores: scores(latent(seed: 4, labels: labels, separation: 1.5), engineNoise: 0.3, stream: 4),
                            notes: [], wallSeconds: 400))
        return runs
    }

    static let latency: [LatencyRecord] = [
        LatencyRecord(model: "VGG16", inputSize: 224, engine: "keras", cpuModel: "AMD EPYC (Zen 3)", vectorExtensions: ["avx2", "fma"],
                      batch1MedianMs: 61.25, batch1P90Ms: 64.5, batch1P99Ms: 70.125, batch16ImagesPerSecond: 21.5, peakMemoryMB: 1450,
                      trainStepFrozenMs: 35, trainStepUnfrozenMs: 900, epochSecondsCached: 0.5, epochSecondsUncached: 120),
        LatencyRecord(model: "VGG16", inputSize: 224, engine: "zoo", cpuModel: "AMD EPYC (Zen 3)", vectorExtensions: ["avx2", "fma"],
                      batch1MedianMs: 48.0625, batch1P90Ms: 50.25, batch1P99Ms: 55.5, batch16ImagesPerSecond: 27.75, peakMemoryMB: 820,
                      trainStepFrozenMs: 12.5, trainStepUnfrozenMs: 700),
        LatencyRecord(model: "ResNet50", inputSize: 224, engine: "zoo", cpuModel: "AMD EPYC (Zen 3)", vectorExtensions: ["avx2", "fma"],
                      batch1MedianMs: 30.5, batch1P90Ms: 31.5, batch1P99Ms: 33.0, batch16ImagesPerSecond: 45.125, peakMemoryMB: 300),
    ]
}

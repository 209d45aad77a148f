import Foundation
import TestSupport
@testable import Bench

/// What scikit-learn, scipy and numpy say about the fixture's VGG16-TB Zoo runs
/// (`Tests/GoldenOutputs/bench/report_reference.py`, run once per test process): accuracy and AUC per run and
/// across seeds, the curves on the report's grid with their bootstrap bands (from the image indices Zoo draws),
/// and McNemar's p-value for the seed-1 Zoo/Keras pair.
struct ReportReference: Sendable {
    struct Run: Codable, Sendable { let scores: [Double], labels: [Int], threshold: Double }
    struct Pair: Codable, Sendable { let first: Run, second: Run }
    struct Cases: Codable, Sendable {
        let runs: [Run]
        let pair: Pair
        let bootstrap_indices: [[[Int]]]
        let level: Double
        let grid: [Double]
    }

    struct Across: Decodable, Sendable { let mean: Double, sd: Double, interval: [Double] }
    struct Band: Decodable, Sendable { let runs: [[Double]], mean: [Double], lower: [Double], upper: [Double], skipped: Int }
    struct PairValues: Decodable, Sendable { let mcnemar_exact_p: Double, discordant: [Int] }
    struct Values: Decodable, Sendable {
        let accuracy: [Double]
        let roc_auc: [Double]
        let accuracy_across: Across
        let roc_auc_across: Across
        let roc: Band
        let pr: Band
        let pair: PairValues
    }

    static let shared = Result { try ReportReference() }

    let runs: [RunRecord]
    /// The VGG16-TB Zoo runs, in seed order.
    let zooRuns: [RunRecord]
    let values: Values

    private init() throws {
        let runs = try ReportFixtures.runs()
        let zooRuns = runs.filter { $0.recipe == "vgg16-tb" && $0.engine == "zoo" }.sorted { $0.seed < $1.seed }
        self.runs = runs
        self.zooRuns = zooRuns
        let keras = try require(runs.first { $0.recipe == "vgg16-tb" && $0.engine == "keras" && $0.seed == 1 })
        func reference(_ run: RunRecord) -> Run { Run(scores: run.test.scores, labels: run.test.labels, threshold: run.threshold.value) }
        let bootstrap = ReportFixtures.bandBootstrap
        let cases = Cases(runs: zooRuns.map(reference), pair: Pair(first: reference(zooRuns[0]), second: reference(keras)),
                          bootstrap_indices: (0..<bootstrap.replicates).map { replicate in
                              zooRuns.map { bootstrap.resample(replicate, count: $0.test.scores.count) }
                          },
                          level: bootstrap.level, grid: CurveBand.grid)
        let directory = try References.temporaryDirectory("report")
        try JSONEncoder().encode(cases).write(to: directory.appendingPathComponent("report_cases.json"))
        try TestEnvironment.generateReference("bench/report_reference.py", into: directory)
        values = try References.json(Values.self, directory.appendingPathComponent("reference.json"))
    }
}

/// `#require` outside a test: a thrown error naming what was missing.
private func require<T>(_ value: T?, _ what: String = "a fixture run") throws -> T {
    guard let value else { throw TestEnvironment.Missing(description: "\(what) is missing") }
    return value
}

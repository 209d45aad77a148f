import Bench
import Foundation
import TestSupport

/// The metrics test cases, made here from a seeded generator, and what scikit-learn, scipy and numpy say about
/// them (`Tests/GoldenOutputs/bench/metrics_reference.py`, run once per test process on the cases written out).
struct MetricsReference: Sendable {
    /// One model's validation and test predictions, a second model's test scores on the same images, and
    /// (for some cases) the image indices of the bootstrap replicates Zoo draws.
    struct Case: Codable, Sendable {
        let name: String
        let validation_scores: [Double]
        let validation_labels: [Int]
        let scores: [Double]
        let labels: [Int]
        let second_scores: [Double]
        let bootstrap_indices: [[Int]]?
        let bootstrap_level: Double?

        func validation() throws -> BinaryPredictions { try BinaryPredictions(scores: validation_scores, labels: validation_labels) }
        func test() throws -> BinaryPredictions { try BinaryPredictions(scores: scores, labels: labels) }
        func secondTest() throws -> BinaryPredictions { try BinaryPredictions(scores: second_scores, labels: labels) }
    }

    struct Specification: Codable, Sendable {
        let level: Double
        let cases: [Case]
        let wilson: [[Int]]
        let runs: [[Double]]
        let mcnemar: [[Int]]
        let bootstrap_variance_case: String
    }

    struct AtThreshold: Decodable, Sendable {
        let confusion: [[Int]]
        let accuracy: Double
        let balanced_accuracy: Double?
        let f1: Double
        let precision: Double
        let sensitivity: Double?
        let specificity: Double?
    }

    struct Curve: Decodable, Sendable {
        let fpr: [Double]?, tpr: [Double]?, precision: [Double]?, recall: [Double]?
        let thresholds: [Double]
    }

    struct DeLongValues: Decodable, Sendable {
        let auc: [Double]
        let covariance: [[Double]]
        let z: Double?, p: Double?
    }

    struct McNemarValues: Decodable, Sendable { let exact_p: Double, chi2: Double, chi2_p: Double }

    /// Lower and upper bound per metric, and the replicates left out for drawing one class.
    struct BootstrapValues: Decodable, Sendable { let intervals: [String: [Double]], skipped: Int }

    struct CaseValues: Decodable, Sendable {
        let thresholds: [String: Double?]
        let at: [String: AtThreshold]
        let roc_auc: Double?
        let roc_auc_refusal: String?
        let average_precision: Double?
        let average_precision_refusal: String?
        let roc: Curve?
        let pr: Curve?
        let delong: DeLongValues?
        let mcnemar: McNemarValues
        let bootstrap: BootstrapValues?
    }

    struct RunValues: Decodable, Sendable { let mean: Double, sd: Double, interval: [Double] }

    struct Values: Decodable, Sendable {
        let versions: [String: String]
        let cases: [String: CaseValues]
        let wilson: [[Double]]
        let runs: [RunValues]
        let mcnemar: [McNemarValues]
        let bootstrap_auc_variance: Double
    }

    static let shared = Result { try MetricsReference() }

    /// The bootstrap whose replicates the reference recomputes (few replicates: the reference runs sklearn on each).
    static let bootstrap = try! Bootstrap(replicates: 100, seed: 7, level: 0.95)

    /// The cases, made without Python, so the tests can take their names as arguments.
    static let cases = makeSpecification()

    var specification: Specification { Self.cases }
    let values: Values

    private init() throws {
        let specification = Self.cases
        let directory = try References.temporaryDirectory("metrics")
        try JSONEncoder().encode(specification).write(to: directory.appendingPathComponent("cases.json"))
        try TestEnvironment.generateReference("bench/metrics_reference.py", into: directory)
        values = try References.json(Values.self, directory.appendingPathComponent("reference.json"))
    }

    func values(of testCase: Case) throws -> CaseValues {
        guard let found = values.cases[testCase.name] else { throw TestEnvironment.Missing(description: "metrics_reference.py wrote no reference for case \(testCase.name)") }
        return found
    }

    /// Scores from a two-class model: float32 probabilities (as a softmax gives), a logistic of the label's
    /// offset plus noise. `decimals` rounds them, which makes many ties.
    private static func predictions(_ generator: inout SeededGenerator, count: Int, prevalence: Double,
                                    separation: Double, decimals: Int?) -> (scores: [Double], labels: [Int], latent: [Double]) {
        var scores: [Double] = [], labels: [Int] = [], latent: [Double] = []
        for _ in 0..<count {
            let label = generator.unit() < prevalence ? 1 : 0
            let value = separation * (Double(label) - 0.5) + normal(&generator)
            var score = Double(Float(1 / (1 + exp(-value))))
            if let decimals {
                let scale = pow(10, Double(decimals))
                score = (score * scale).rounded() / scale
            }
            labels.append(label)
            scores.append(score)
            latent.append(value)
        }
        return (scores, labels, latent)
    }

    /// Box-Muller from two uniforms.
    private static func normal(_ generator: inout SeededGenerator) -> Double {
        let u = 1 - generator.unit(), v = generator.unit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    private static func makeCase(_ name: String, index: UInt64, count: Int, prevalence: Double, separation: Double = 2,
                                 decimals: Int? = nil, validationPrevalence: Double? = nil, bootstrap: Bool = false) -> Case {
        var generator = SeededGenerator(seed: 2026, stream: [index])
        let validation = predictions(&generator, count: count, prevalence: validationPrevalence ?? prevalence,
                                     separation: separation, decimals: decimals)
        let test = predictions(&generator, count: count, prevalence: prevalence, separation: separation, decimals: decimals)
        // The second model sees the same images: its latent value is the first's plus its own noise.
        let second = test.latent.map { value -> Double in
            let score = Double(Float(1 / (1 + exp(-(value + 0.7 * normal(&generator))))))
            return decimals.map { (score * pow(10, Double($0))).rounded() / pow(10, Double($0)) } ?? score
        }
        return Case(name: name, validation_scores: validation.scores, validation_labels: validation.labels,
                    scores: test.scores, labels: test.labels, second_scores: second,
                    bootstrap_indices: bootstrap ? (0..<Self.bootstrap.replicates).map { Self.bootstrap.resample($0, count: count) } : nil,
                    bootstrap_level: bootstrap ? Self.bootstrap.level : nil)
    }

    private static func makeSpecification() -> Specification {
        var cases = [
            makeCase("n1000", index: 1, count: 1000, prevalence: 0.4, bootstrap: true),
            makeCase("ties", index: 2, count: 300, prevalence: 0.3, decimals: 1, bootstrap: true),
            makeCase("n60", index: 3, count: 60, prevalence: 0.5, separation: 1),
            makeCase("tiny", index: 4, count: 7, prevalence: 0.5),
            makeCase("tied_everywhere", index: 5, count: 40, prevalence: 0.5, decimals: 0),
            makeCase("all_positive", index: 6, count: 30, prevalence: 1, validationPrevalence: 0.5),
            makeCase("all_negative", index: 7, count: 30, prevalence: 0),
            makeCase("rare_positives", index: 15, count: 60, prevalence: 0.05, bootstrap: true),  // 3 positives: replicates without one are skipped
        ]
        // Two images, one of each class: AUC defined, DeLong's sample variances not.
        cases.append(Case(name: "pair", validation_scores: [0.3, 0.8], validation_labels: [0, 1], scores: [0.8, 0.3],
                          labels: [1, 0], second_scores: [0.6, 0.7], bootstrap_indices: nil, bootstrap_level: nil))
        // Both models separate the classes perfectly: AUC 1, zero DeLong variance.
        let perfect = (0..<20).map { Double($0) / 20 }
        cases.append(Case(name: "perfect", validation_scores: perfect, validation_labels: perfect.map { $0 >= 0.5 ? 1 : 0 },
                          scores: perfect, labels: perfect.map { $0 >= 0.5 ? 1 : 0 }, second_scores: perfect.map { $0 / 2 + 0.25 },
                          bootstrap_indices: nil, bootstrap_level: nil))
        var generator = SeededGenerator(seed: 2026, stream: [99])
        let tenRuns = (0..<10).map { _ in 0.9 + 0.02 * normal(&generator) }
        return Specification(level: 0.95, cases: cases,
                             wilson: [[0, 10], [10, 10], [1, 1], [0, 1], [37, 50], [980, 1000], [5, 7], [394, 800]],
                             runs: [[0.91, 0.93, 0.92], [0.8, 0.85], tenRuns],
                             mcnemar: [[0, 0], [1, 0], [5, 9], [12, 12], [20, 4], [30, 45], [100, 130], [3, 21], [13, 12]],
                             bootstrap_variance_case: "n1000")
    }
}

import Foundation
import Tensor
import Testing
@testable import Bench

/// Zoo's metrics against scikit-learn, scipy and a direct O(m n) DeLong in numpy, on seeded cases with ties,
/// one-class test sets, tiny sets and n = 1000 (MetricsReference). Where scikit-learn refuses a metric, Zoo
/// must throw `MetricsError.undefined`, never return a number.
@Suite struct MetricsTests {
    /// Rates and areas are sums of a few thousand ratios: equal to scikit-learn's within rounding.
    static let tolerance = 1e-12

    static func lookup(_ name: String) throws -> (MetricsReference.Case, MetricsReference.CaseValues) {
        let reference = try MetricsReference.shared.get()
        let testCase = try #require(reference.specification.cases.first { $0.name == name })
        return (testCase, try reference.values(of: testCase))
    }

    static func close(_ actual: [Double], _ expected: [Double]) -> Bool {
        actual.count == expected.count && zip(actual, expected).allSatisfy { abs($0 - $1) <= tolerance }
    }

    static func close(_ actual: Double, _ expected: Double, relative: Double = tolerance) -> Bool {
        abs(actual - expected) <= relative * max(1, abs(expected))
    }

    static func isUndefined<Value>(_ body: () throws -> Value) -> Bool {
        do { _ = try body(); return false } catch let error as MetricsError {
            if case .undefined = error { return true }
            return false
        } catch { return false }
    }

    @Test(arguments: MetricsReference.cases.cases.map(\.name))
    func curvesAndAreasMatchScikitLearn(name: String) throws {
        let (testCase, expected) = try Self.lookup(name)
        let test = try testCase.test()
        if let roc = expected.roc, let area = expected.roc_auc {
            let curve = try ROCCurve(test)
            #expect(Self.close(curve.falsePositiveRates, try #require(roc.fpr)), "\(name): ROC false positive rates")
            #expect(Self.close(curve.truePositiveRates, try #require(roc.tpr)), "\(name): ROC true positive rates")
            #expect(curve.thresholds == roc.thresholds)  // the reference drops sklearn's +infinity, as Zoo does
            #expect(Self.close(curve.area, area), "\(name): AUC \(curve.area), sklearn \(area)")
        } else {
            #expect(expected.roc_auc_refusal != nil)
            #expect(Self.isUndefined { try ROCCurve(test) }, "\(name): sklearn refuses the AUC (\(expected.roc_auc_refusal ?? ""))")
        }
        if let pr = expected.pr, let averagePrecision = expected.average_precision {
            let curve = try PrecisionRecallCurve(test)
            #expect(Self.close(curve.precisions, try #require(pr.precision)), "\(name): precisions")
            #expect(Self.close(curve.recalls, try #require(pr.recall)), "\(name): recalls")
            #expect(curve.thresholds == pr.thresholds)
            #expect(Self.close(curve.averagePrecision, averagePrecision), "\(name): AP \(curve.averagePrecision), sklearn \(averagePrecision)")
        } else {
            #expect(expected.average_precision_refusal != nil)
            #expect(Self.isUndefined { try PrecisionRecallCurve(test) }, "\(name): sklearn warns (\(expected.average_precision_refusal ?? ""))")
        }
    }

    /// Thresholds chosen on validation equal the reference's choice exactly; applied unchanged to test, every
    /// count and rate equals scikit-learn's at that threshold.
    @Test(arguments: MetricsReference.cases.cases.map(\.name))
    func thresholdsChosenOnValidationApplyToTest(name: String) throws {
        let (testCase, expected) = try Self.lookup(name)
        let validation = try testCase.validation(), test = try testCase.test()
        for rule in ThresholdRule.allCases {
            let threshold: Threshold
            if rule == .fixed {
                threshold = try Threshold.choose(rule, on: validation)
                #expect(threshold == Threshold(rule: .fixed, value: 0.5))
            } else if let value = try #require(expected.thresholds[rule.rawValue]) {
                threshold = try Threshold.choose(rule, on: validation)
                #expect(threshold.value == value, "\(name): \(rule) threshold \(threshold.value), reference \(value)")
            } else {
                #expect(Self.isUndefined { try Threshold.choose(rule, on: validation) }, "\(name): \(rule) needs both classes")
                continue
            }
            let at = try #require(expected.at[rule.rawValue])
            let matrix = ConfusionMatrix(test, threshold: threshold)
            #expect(matrix.rows == at.confusion, "\(name) \(rule): confusion matrix")
            #expect(Self.close(matrix.accuracy, at.accuracy))
            #expect(Self.close(matrix.f1, at.f1), "\(name) \(rule): F1 \(matrix.f1), sklearn \(at.f1)")
            #expect(Self.close(matrix.precision, at.precision))
            for (value, reference) in [({ try matrix.sensitivity() }, at.sensitivity), ({ try matrix.specificity() }, at.specificity),
                                       ({ try matrix.balancedAccuracy() }, at.balanced_accuracy)] as [(() throws -> Double, Double?)] {
                if let reference { #expect(Self.close(try value(), reference), "\(name) \(rule)") } else { #expect(Self.isUndefined(value)) }
            }
        }
    }

    /// Sun and Xu's midrank algorithm against DeLong's placement values computed pair by pair: each AUC, the
    /// 2 x 2 covariance, and the paired test's z and p.
    @Test(arguments: MetricsReference.cases.cases.map(\.name))
    func deLongMatchesPlacementValuesPairByPair(name: String) throws {
        let (testCase, expected) = try Self.lookup(name)
        let first = try testCase.test(), second = try testCase.secondTest()
        guard let reference = expected.delong else {
            #expect(Self.isUndefined { try DeLong([first, second]) }, "\(name): fewer than two images of a class")
            return
        }
        let deLong = try DeLong([first, second])
        #expect(Self.close(deLong.areas, reference.auc), "\(name): areas \(deLong.areas), reference \(reference.auc)")
        for a in 0..<2 {
            for b in 0..<2 {
                #expect(Self.close(deLong.covariance(a, b), reference.covariance[a][b], relative: 1e-10), "\(name): covariance[\(a)][\(b)]")
            }
        }
        if let z = reference.z, let p = reference.p {
            let paired = try PairedDeLongTest(first, second)
            #expect(Self.close(paired.z, z, relative: 1e-9) && Self.close(paired.pValue, p, relative: 1e-9),
                    "\(name): z \(paired.z) p \(paired.pValue), reference z \(z) p \(p)")
        } else {
            #expect(Self.isUndefined { try PairedDeLongTest(first, second) }, "\(name): zero variance of the difference")
        }
        let interval = try deLong.interval()
        let halfWidth = 1.959963984540054 * reference.covariance[0][0].squareRoot()
        #expect(Self.close(interval.lower, max(0, reference.auc[0] - halfWidth)) && Self.close(interval.upper, min(1, reference.auc[0] + halfWidth)))
    }

    /// DeLong's variance is an asymptotic estimate of what resampling images would show: within 15% of a
    /// 4000-replicate bootstrap variance of the AUC (the bootstrap's own relative error is about 2%).
    @Test func deLongVarianceAgreesWithBootstrap() throws {
        let reference = try MetricsReference.shared.get()
        let (testCase, _) = try Self.lookup(reference.specification.bootstrap_variance_case)
        let variance = try DeLong([try testCase.test()]).covariance(0, 0)
        let ratio = variance / reference.values.bootstrap_auc_variance
        #expect(abs(ratio - 1) < 0.15, "DeLong \(variance), bootstrap \(reference.values.bootstrap_auc_variance)")
    }

    /// The percentile interval over Zoo's own replicates, each replicate's metric recomputed by scikit-learn.
    @Test(arguments: MetricsReference.cases.cases.filter { $0.bootstrap_indices != nil }.map(\.name))
    func bootstrapMatchesScikitLearnOnTheSameReplicates(name: String) throws {
        let (testCase, expected) = try Self.lookup(name)
        let reference = try #require(expected.bootstrap)
        let test = try testCase.test()
        let threshold = try Threshold.choose(.maxF1, on: try testCase.validation())
        let results = try MetricsReference.bootstrap.intervals(of: RunMetrics.bootstrapped(at: threshold), on: test)
        for (result, key) in zip(results, ["balanced_accuracy", "f1", "average_precision"]) {
            let bounds = try #require(reference.intervals[key])
            #expect(Self.close([result.interval.lower, result.interval.upper], bounds), "\(name) \(key): \(result.interval), reference \(bounds)")
            #expect(result.skippedReplicates == reference.skipped)
        }
    }

    /// The whole summary of one run at the validation-chosen threshold agrees with the parts checked above.
    @Test func runMetricsSummarisesTheTestSet() throws {
        let (testCase, expected) = try Self.lookup("n1000")
        let test = try testCase.test()
        let threshold = try Threshold.choose(.maxF1, on: try testCase.validation())
        let run = try RunMetrics(test, threshold: threshold, bootstrap: MetricsReference.bootstrap)
        let at = try #require(expected.at["maxF1"])
        #expect(run.confusionMatrix.rows == at.confusion)
        #expect(Self.close(run.rocAUC, try #require(expected.roc_auc)))
        #expect(Self.close(run.averagePrecision, try #require(expected.average_precision)))
        #expect(Self.close(run.balancedAccuracy, try #require(at.balanced_accuracy)))
        #expect(Self.close(run.f1, at.f1))
        #expect(Self.close(run.sensitivity, try #require(at.sensitivity)))
        let bootstrap = try #require(expected.bootstrap)
        #expect(Self.close([run.f1Interval.lower, run.f1Interval.upper], try #require(bootstrap.intervals["f1"])))
        #expect(Self.close([run.averagePrecisionInterval.lower, run.averagePrecisionInterval.upper], try #require(bootstrap.intervals["average_precision"])))
        #expect(run.accuracyInterval == (try Interval.wilson(successes: run.confusionMatrix.correct, trials: run.images)))
        #expect(run.rocAUCInterval.method == .deLong && run.rocAUCInterval.lower < run.rocAUC && run.rocAUC < run.rocAUCInterval.upper)

        let json = try JSONEncoder().encode(run)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        for key in ["rocAUC", "rocAUCInterval", "averagePrecisionInterval", "sensitivityInterval", "threshold", "confusionMatrix"] {
            #expect(object[key] != nil, "summary JSON lacks \(key)")
        }
        #expect(try JSONDecoder().decode(RunMetrics.self, from: json) == run)
        // The curves for plots encode as plain JSON too (no infinite threshold).
        #expect(try JSONDecoder().decode(ROCCurve.self, from: JSONEncoder().encode(ROCCurve(test))) == (try ROCCurve(test)))
    }

    /// The summaries across runs and between models are their checked parts, assembled under explicit names.
    @Test func summariesAcrossRunsAndBetweenModelsAssembleTheirParts() throws {
        let runs = try ["n1000", "ties", "n60"].map { name in
            let (testCase, _) = try Self.lookup(name)
            return try RunMetrics(try testCase.test(), threshold: .fixed, bootstrap: MetricsReference.bootstrap)
        }
        let summary = try RunsSummary(runs)
        #expect(summary.runs == 3)
        #expect(summary.rocAUC == (try RunStatistics(runs.map(\.rocAUC))))
        #expect(summary.averagePrecision.values == runs.map(\.averagePrecision) && summary.f1.values == runs.map(\.f1))
        #expect(Self.isUndefined { try RunsSummary([runs[0]]) })

        let (testCase, expected) = try Self.lookup("n1000")
        let comparison = try ModelComparison(try testCase.test(), threshold: .fixed, try testCase.secondTest(), threshold: .fixed)
        let deLong = try #require(expected.delong)
        #expect(Self.close(comparison.rocAUC.z, try #require(deLong.z), relative: 1e-9))
        #expect(Self.close(comparison.mcNemar.exactPValue, expected.mcnemar.exact_p, relative: 1e-10))
        #expect(comparison.mcNemar.reported == .chiSquaredCorrected, "n = 1000 has over 25 discordant images")
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(comparison)) as? [String: [String: Any]])
        #expect(object["rocAUC"]?["rocAUCDifference"] != nil && object["mcNemar"]?["reportedPValue"] != nil)
    }

    /// A one-class test set has no summary: the error names the metric and says why.
    @Test func oneClassTestSetHasNoSummary() throws {
        let (testCase, _) = try Self.lookup("all_positive")
        do {
            _ = try RunMetrics(try testCase.test(), threshold: .fixed, bootstrap: MetricsReference.bootstrap)
            Issue.record("a summary of a one-class test set")
        } catch let error as MetricsError {
            #expect("\(error)".contains("only one class (30 positive, 0 negative)"), "\(error)")
        }
    }

    @Test func wilsonMatchesScipy() throws {
        let reference = try MetricsReference.shared.get()
        for (counts, expected) in zip(reference.specification.wilson, reference.values.wilson) {
            let interval = try Interval.wilson(successes: counts[0], trials: counts[1], level: reference.specification.level)
            #expect(Self.close([interval.lower, interval.upper], expected), "\(counts): \(interval), scipy \(expected)")
        }
        #expect(Self.isUndefined { try Interval.wilson(successes: 0, trials: 0) })
    }

    @Test func runStatisticsMatchScipyT() throws {
        let reference = try MetricsReference.shared.get()
        for (values, expected) in zip(reference.specification.runs, reference.values.runs) {
            let statistics = try RunStatistics(values, level: reference.specification.level)
            #expect(Self.close(statistics.mean, expected.mean) && Self.close(statistics.standardDeviation, expected.sd))
            #expect(Self.close([statistics.meanInterval.lower, statistics.meanInterval.upper], expected.interval),
                    "\(values): \(statistics.meanInterval), scipy \(expected.interval)")
        }
        #expect(Self.isUndefined { try RunStatistics([0.9]) })
    }

    @Test func mcNemarMatchesScipy() throws {
        let reference = try MetricsReference.shared.get()
        var pairs = zip(reference.specification.mcnemar, reference.values.mcnemar).map { (counts: $0, expected: $1) }
        // And on the cases' calls at 0.5, counted by McNemarTest from the predictions.
        for testCase in reference.specification.cases {
            let test = try McNemarTest(try testCase.test(), threshold: .fixed, try testCase.secondTest(), threshold: .fixed)
            pairs.append(([test.firstOnlyCorrect, test.secondOnlyCorrect], try reference.values(of: testCase).mcnemar))
        }
        for (counts, expected) in pairs {
            let test = McNemarTest(firstOnlyCorrect: counts[0], secondOnlyCorrect: counts[1])
            #expect(Self.close(test.exactPValue, expected.exact_p, relative: 1e-10), "\(counts): exact \(test.exactPValue), scipy \(expected.exact_p)")
            #expect(Self.close(test.chiSquared, expected.chi2) && Self.close(test.chiSquaredPValue, expected.chi2_p, relative: 1e-10), "\(counts)")
            let exact = counts[0] + counts[1] < McNemarTest.exactBelow
            #expect(test.reported == (exact ? .exactBinomial : .chiSquaredCorrected))
            #expect(test.reportedPValue == (exact ? test.exactPValue : test.chiSquaredPValue))
        }
    }

    /// A softmax output's positive column becomes the scores, unchanged (float32 values are exact in Double).
    @Test func scoresComeFromTheSoftmaxPositiveColumn() throws {
        let probabilities = try Tensor(shape: [3, 2], values: [0.9, 0.1, 0.25, 0.75, 0.6, 0.4])
        let predictions = try BinaryPredictions(probabilities: probabilities, labels: [0, 1, 1])
        #expect(predictions.scores == [0.1, 0.75, 0.4].map { Double(Float($0)) })
        #expect(predictions.positives == 2 && predictions.negatives == 1)
        #expect(throws: TensorError.self) { try BinaryPredictions(probabilities: probabilities, labels: [0, 1, 1], positiveClass: 2) }
    }

    @Test func invalidInputsAreRefused() throws {
        for (scores, labels) in [([0.1, 0.2], [1]), ([], []), ([Double.nan], [1]), ([0.5], [2])] as [([Double], [Int])] {
            #expect(throws: MetricsError.self) { try BinaryPredictions(scores: scores, labels: labels) }
        }
        let one = try BinaryPredictions(scores: [0.2, 0.9, 0.4], labels: [0, 1, 1])
        let other = try BinaryPredictions(scores: [0.2, 0.9, 0.4], labels: [1, 1, 0])
        #expect(throws: MetricsError.self) { try DeLong([one, other]) }
        #expect(throws: MetricsError.self) { try Bootstrap(replicates: 1) }
        #expect(throws: MetricsError.self) { try Interval.wilson(successes: 1, trials: 1, level: 1) }
    }
}

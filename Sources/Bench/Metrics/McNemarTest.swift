/// McNemar's test that two models on the same images have the same accuracy. Only the discordant images
/// count: b = first right and second wrong, c = first wrong and second right; under the null each
/// discordant image goes either way with probability 1/2.
///
/// Both p-values are given. `reportedPValue` is the exact one while b + c < 25, where the chi-squared
/// approximation to Binomial(b + c, 1/2) is poor, and the continuity-corrected chi-squared from 25 on, where
/// the two agree closely and the chi-squared is what most published comparisons quote (a common rule of thumb;
/// the exact p-value stays in the summary for anyone who prefers it throughout).
public struct McNemarTest: Codable, Sendable, Equatable {
    public enum Reported: String, Codable, Sendable { case exactBinomial, chiSquaredCorrected }

    public let firstOnlyCorrect: Int
    public let secondOnlyCorrect: Int
    /// Two-sided exact binomial p-value of b out of b + c at p = 1/2 (scipy's `binomtest`).
    public let exactPValue: Double
    /// (|b - c| - 1)^2 / (b + c), Edwards' continuity correction written as R's `mcnemar.test` and statsmodels
    /// write it (so b = c gives 1 / (b + c), not 0); 0 with p-value 1 when no image is discordant.
    public let chiSquared: Double
    public let chiSquaredPValue: Double
    public let reported: Reported
    public let reportedPValue: Double

    /// Below this many discordant images the exact p-value is reported.
    public static let exactBelow = 25

    /// Counts the discordant images of two models' calls at their thresholds.
    public init(_ first: BinaryPredictions, threshold firstThreshold: Threshold,
                _ second: BinaryPredictions, threshold secondThreshold: Threshold) throws {
        guard first.labels == second.labels else {
            throw MetricsError.invalidInput("McNemar compares models on the same images: their labels differ")
        }
        var b = 0, c = 0
        for index in first.labels.indices {
            let firstCorrect = (first.scores[index] >= firstThreshold.value) == (first.labels[index] == 1)
            let secondCorrect = (second.scores[index] >= secondThreshold.value) == (second.labels[index] == 1)
            if firstCorrect && !secondCorrect { b += 1 }
            if secondCorrect && !firstCorrect { c += 1 }
        }
        self.init(firstOnlyCorrect: b, secondOnlyCorrect: c)
    }

    public init(firstOnlyCorrect b: Int, secondOnlyCorrect c: Int) {
        firstOnlyCorrect = b
        secondOnlyCorrect = c
        let discordant = b + c
        exactPValue = Distributions.binomialTwoSidedHalf(b, discordant)
        let corrected = Double(abs(b - c)) - 1
        chiSquared = discordant == 0 ? 0 : corrected * corrected / Double(discordant)
        chiSquaredPValue = Distributions.chiSquaredOneSurvival(chiSquared)
        reported = discordant < Self.exactBelow ? .exactBinomial : .chiSquaredCorrected
        reportedPValue = reported == .exactBinomial ? exactPValue : chiSquaredPValue
    }
}

/// Two models on the same test images: McNemar's test on their calls (accuracy) and DeLong's paired test on
/// their ROC AUCs. Paired tests, because both models see the same images: treating the two runs as
/// independent would ignore that they err on many of the same images and understate significance.
public struct ModelComparison: Codable, Sendable, Equatable {
    public let mcNemar: McNemarTest
    public let rocAUC: PairedDeLongTest

    public init(_ first: BinaryPredictions, threshold firstThreshold: Threshold,
                _ second: BinaryPredictions, threshold secondThreshold: Threshold) throws {
        mcNemar = try McNemarTest(first, threshold: firstThreshold, second, threshold: secondThreshold)
        rocAUC = try PairedDeLongTest(first, second)
    }
}

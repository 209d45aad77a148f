/// DeLong's test that two models' AUCs on the same images are equal: z = (A1 - A2) / sqrt(Var A1 + Var A2
/// - 2 Cov(A1, A2)), the covariance coming from the paired placement values, and a two-sided normal p-value.
public struct PairedDeLongTest: Codable, Sendable, Equatable {
    public let rocAUCFirst: Double
    public let rocAUCSecond: Double
    /// rocAUCFirst - rocAUCSecond.
    public let rocAUCDifference: Double
    public let standardError: Double
    public let z: Double
    public let pValue: Double

    public init(_ first: BinaryPredictions, _ second: BinaryPredictions) throws {
        let deLong = try DeLong([first, second])
        let areas = deLong.areas
        let variance = deLong.covariance(0, 0) + deLong.covariance(1, 1) - 2 * deLong.covariance(0, 1)
        guard variance > 0 else {
            throw MetricsError.undefined(metric: "paired DeLong test",
                                         reason: "the AUC difference has zero variance (identical rankings, or both models separate the classes perfectly)")
        }
        rocAUCFirst = areas[0]
        rocAUCSecond = areas[1]
        rocAUCDifference = areas[0] - areas[1]
        standardError = variance.squareRoot()
        z = rocAUCDifference / standardError
        pValue = Distributions.normalTwoSidedP(z)
    }
}

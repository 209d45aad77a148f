/// One unit of a sweep's work, as `BenchSuite.units()` lists them: a run of a recipe (one protocol, fold and seed,
/// both phases), or a recipe's latency probe. `zoo bench` does them all in one process; a plan's task does one.
public struct SweepUnit: Codable, Hashable, Sendable {
    public let recipe: String
    public let work: Work

    public enum Work: Codable, Hashable, Sendable {
        case run(benchProtocol: BenchProtocol, fold: Int?, seed: UInt64)
        case latency
    }

    public static func run(recipe: String, benchProtocol: BenchProtocol, fold: Int?, seed: UInt64) -> SweepUnit {
        SweepUnit(recipe: recipe, work: .run(benchProtocol: benchProtocol, fold: fold, seed: seed))
    }

    public static func latency(recipe: String) -> SweepUnit {
        SweepUnit(recipe: recipe, work: .latency)
    }

    /// `vgg16-tb, clean protocol, fold 1, seed 2020` or `vgg16-tb, latency`.
    public var label: String {
        switch work {
        case .run(let benchProtocol, let fold, let seed):
            "\(recipe), \(benchProtocol.rawValue) protocol\(fold.map { ", fold \($0)" } ?? ""), seed \(seed)"
        case .latency:
            "\(recipe), latency"
        }
    }
}

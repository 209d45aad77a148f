import Converter
import Foundation
import Tensor
import Testing
import Training
import Zoo

/// Zoo's initialisers against Keras 3's own draws (at least 60,000 values per initialiser and shape): the same
/// fans, Keras' extremes inside Zoo's bounds, and Zoo's sample mean and standard deviation within five standard
/// errors of Keras'. (The streams differ by design: Zoo draws from its own seeded generator.)
@Suite struct InitializerKerasTests {
    @Test func matchesKerasDistributions() throws {
        let reference = try KerasLossReference.shared.get()
        #expect(reference.listing.initializers.count == 30)
        for entry in reference.listing.initializers {
            let label = "\(entry.initializer) \(entry.shape)"
            let fans = Initializer.fans(entry.shape)
            #expect(fans.fanIn == entry.fan_in && fans.fanOut == entry.fan_out, "\(label): fans \(fans)")
            let initializer = try Initializer(TrainingAttributes.kerasObject(entry.initializer), shape: entry.shape)
            let sample = try Tensor(shape: [entry.count])
            var random = InitializerRandom(seed: 42)
            initializer.fill(sample, random: &random)
            let values = sample.toArray().map(Double.init)
            let mean = values.reduce(0, +) / Double(values.count)
            let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
            // Bounds: where Zoo's values may lie, which Keras' must respect too (float32 rounding allowed).
            let slack = 1e-5 * max(abs(entry.min), abs(entry.max))
            switch initializer {
            case .constant(let value):
                #expect(values.allSatisfy { $0 == Double(value) } && entry.min == Double(value) && entry.max == Double(value), "\(label)")
                continue
            case .uniform(let low, let high):
                #expect(values.allSatisfy { $0 >= Double(low) && $0 < Double(high) }, "\(label): Zoo outside [\(low), \(high))")
                #expect(entry.min >= Double(low) - slack && entry.max <= Double(high) + slack, "\(label): Keras' extremes outside [\(low), \(high))")
                #expect(entry.max > Double(high) * 0.999 && entry.min < Double(low) * 0.999, "\(label): Keras reaches nearer its bounds than [\(low), \(high))")
            case .truncatedNormal(let center, let stddev):
                let bound = 2 * Double(stddev)
                #expect(values.allSatisfy { abs($0 - Double(center)) <= bound }, "\(label): Zoo beyond 2 stddev")
                #expect(abs(entry.min - Double(center)) <= bound + slack && abs(entry.max - Double(center)) <= bound + slack,
                        "\(label): Keras' extremes \(entry.min), \(entry.max) beyond +-\(bound)")
                #expect(entry.max - Double(center) > bound * 0.99, "\(label): Keras is cut nearer than 2 stddev")
            case .normal: break
            }
            let standardError = entry.std / Double(entry.count).squareRoot()
            #expect(abs(mean - entry.mean) <= 5 * standardError * 2.squareRoot(), "\(label): mean \(mean), Keras \(entry.mean)")
            #expect(abs(std - entry.std) <= 5 * standardError, "\(label): std \(std), Keras \(entry.std)")
        }
    }

    /// A graph's layers initialised in place from their attributes: seeded, so the same seed gives the same model.
    @Test func initializesStoreFromGraphAttributes() throws {
        var builder = GraphBuilder(name: "fresh")
        let input = try builder.input("input", shape: [8, 8, 3])
        let conv = try builder.add("conv", .conv2d, ["filters": .int(4), "kernel_size": .ints([3, 3]), "strides": .ints([1, 1]),
                                                      "padding": .string("same")].merging(TrainingAttributes.weightedLayerDefaults) { a, _ in a },
                                   inputs: [input])
        let norm = try builder.add("norm", .batchNorm, TrainingAttributes.batchNormDefaults.merging(["epsilon": .double(1e-3)]) { a, _ in a },
                                   inputs: [conv])
        let graph = builder.build(outputs: [norm])
        var zeros: [String: Tensor] = [:]
        for layer in graph.layers {
            for weight in layer.weights { zeros[layer.tensorName(of: weight)] = try Tensor(shape: weight.shape) }
        }
        let first = try ParameterStore(graph: graph, weights: InMemoryWeights(zeros))
        let second = try ParameterStore(graph: graph, weights: InMemoryWeights(zeros))
        try first.initialize(graph: graph, seed: 7)
        try second.initialize(graph: graph, seed: 7)
        let kernel = try #require(first["conv/kernel"]).value.toArray()
        let limit = Float((6.0 / Double(27 + 36)).squareRoot())
        #expect(kernel.allSatisfy { abs($0) <= limit } && Set(kernel).count == kernel.count, "Glorot uniform within +-\(limit)")
        #expect(kernel == (try #require(second["conv/kernel"])).value.toArray(), "the same seed, the same values")
        #expect(try #require(first["conv/bias"]).value.toArray().allSatisfy { $0 == 0 })
        #expect(try #require(first["norm/gamma"]).value.toArray().allSatisfy { $0 == 1 })
        #expect(try #require(first["norm/moving_variance"]).value.toArray().allSatisfy { $0 == 1 })
    }
}

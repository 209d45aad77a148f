import Tensor

/// Time of each 3x3 'same' convolution (bias, fused ReLU) of `layers` at batch 1, with the implicit-GEMM
/// and the Winograd algorithm. GFLOP/s count the direct convolution's FLOPs for both, so they compare times.
func benchmarkConvolutions(_ title: String, _ layers: [ConvLayer], threads: [Int], repeats: Int) throws {
    print("## \(title) convolutions, batch 1: best ms of \(repeats) (median ms) [direct-conv GFLOP/s per CPU-second]")
    let columns = [Conv2D.Algorithm.gemm, .winograd].flatMap { algorithm in threads.map { (algorithm, $0) } }
    print("| layer        | " + columns.map { "\($0.0) \($0.1)T".padding(toLength: 26) }.joined(separator: " | ") + " |")
    print("|--------------|" + columns.map { _ in "---------------------------:" }.joined(separator: "|") + "|")
    var bestTotals = [Double](repeating: 0, count: columns.count), medianTotals = bestTotals
    let workspace = Workspace()
    for layer in layers {
        let kernel = try Tensor(shape: [3, 3, layer.inputChannels, layer.outputChannels],
                                values: randomValues(9 * layer.inputChannels * layer.outputChannels, seed: 3))
        let bias = try Tensor(shape: [layer.outputChannels], values: randomValues(layer.outputChannels, seed: 4))
        let convolutions = try [Conv2D.Algorithm.gemm, .winograd].map {
            try Conv2D(kernel: kernel, bias: bias, padding: .same, activation: .relu, algorithm: $0)
        }
        let input = try Tensor(shape: [1, layer.size, layer.size, layer.inputChannels],
                               values: randomValues(layer.size * layer.size * layer.inputChannels, seed: 5))
        let output = try Tensor(shape: convolutions[0].outputShape(for: input))
        var cells: [String] = []
        for (index, (algorithm, count)) in columns.enumerated() {
            let convolution = convolutions[algorithm == .gemm ? 0 : 1]
            Parallelism.workers = count
            let timing = try Timing(repeats: repeats, threads: count) { try convolution.forward(input, into: output, workspace: workspace) }
            bestTotals[index] += timing.best
            medianTotals[index] += timing.median
            cells.append("\(pad(format(timing.best * 1e3, 2), 6)) (\(pad(format(timing.median * 1e3, 2), 6))) [\(pad(format(layer.flops / timing.bestCPU / 1e9, 0), 3))]")
        }
        print("| \(layer.name.padding(toLength: 12)) | " + cells.joined(separator: " | ") + " |")
    }
    let flops = layers.reduce(0) { $0 + $1.flops }
    print("| total        | " + zip(bestTotals, medianTotals).map { best, median in
        "\(pad(format(best * 1e3, 2), 6)) (\(pad(format(median * 1e3, 2), 6))) \(pad(format(flops / best / 1e9, 0), 3))/s"
    }.joined(separator: " | ") + " |")
    print("(total: sum of per-layer times; the last figure is GFLOP/s of the summed best times)")
    Parallelism.workers = 0
}

extension String {
    func padding(toLength length: Int) -> String { count >= length ? self : self + String(repeating: " ", count: length - count) }
}

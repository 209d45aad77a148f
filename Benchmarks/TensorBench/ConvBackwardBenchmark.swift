import Tensor

/// Forward, input-gradient and weight-gradient time of 3x3 'same' convolutions at batch 16, by the im2col GEMM and by Winograd (ResNet50's
/// conv5 shape, the one its last-block training step unfreezes; VGG16's block 5, 3 and 1 shapes), each also as a fraction of this machine's GEMM ceiling: the best rate of a
/// plain prepacked GEMM on block 5's shape (M = 3136, N = 512, K = 4608), measured here first.
func benchmarkConvolutionBackward(threads count: Int, repeats: Int) throws {
    Parallelism.workers = count
    defer { Parallelism.workers = 0 }
    let workspace = Workspace()
    let (m, n, k) = (3136, 512, 4608)
    let a = try Tensor(shape: [m, k], values: randomValues(m * k, seed: 1))
    let gemmOutput = try Tensor(shape: [m, n])
    let plain = try Dense(kernel: Tensor(shape: [k, n], values: randomValues(k * n, seed: 2)), bias: nil)
    let ceiling = try Timing(repeats: repeats, threads: count) { try plain.forward(a, into: gemmOutput, workspace: workspace) }
        .gflops(2 * Double(m * n * k))
    print("## Conv2D backward, batch 16, 3x3 'same', \(count) threads: GFLOP/s of the best of \(repeats) (median), fraction of the GEMM ceiling")
    print("GEMM ceiling (\(m)x\(n)x\(k), prepacked): \(format(ceiling)) GFLOP/s")
    print("| layer             | algorithm | forward                | input gradient         | weight gradient        |")
    print("|-------------------|-----------|-----------------------:|-----------------------:|-----------------------:|")
    for (name, size, channels) in [("conv5 7x7x512", 7, 512), ("block5 14x14x512", 14, 512), ("block3 56x56x256", 56, 256), ("block1 224x224x64", 224, 64)] {
        for algorithm in [Conv2D.Algorithm.gemm, .winograd] {
            let batch = 16
            let kernel = try Tensor(shape: [3, 3, channels, channels], values: randomValues(9 * channels * channels, seed: 3))
            let conv = try Conv2D(kernel: kernel, bias: nil, padding: .same, algorithm: algorithm)
            let input = try Tensor(shape: [batch, size, size, channels], values: randomValues(batch * size * size * channels, seed: 5))
            let output = try Tensor(shape: input.shape), inputGradient = try Tensor(shape: input.shape)
            let kernelGradient = try Tensor(shape: kernel.shape), biasGradient = try Tensor(shape: [channels])
            // Counted as the direct convolution's multiply-adds, whichever algorithm runs.
            let flops = 2 * Double(batch * size * size) * Double(9 * channels * channels)
            let timings = try [
                Timing(repeats: repeats, threads: count) { try conv.forward(input, into: output, workspace: workspace) },
                Timing(repeats: repeats, threads: count) { try conv.inputGradient(output, kernel: kernel, into: inputGradient, workspace: workspace) },
                Timing(repeats: repeats, threads: count) {
                    try conv.weightGradient(input: input, outputGradient: output, kernelGradient: kernelGradient,
                                            biasGradient: biasGradient, workspace: workspace)
                },
            ]
            let cells = timings.map { timing in
                "\(pad(format(timing.gflops(flops)), 6)) (\(pad(format(flops / timing.median / 1e9), 6))) \(format(timing.gflops(flops) / ceiling, 2))"
            }
            print("| \(name.padding(toLength: 17)) | \("\(algorithm)".padding(toLength: 9)) | " + cells.map { pad($0, 22) }.joined(separator: " | ") + " |")
        }
    }
}

import Tensor

/// ResNet50's layer sequence (keras.applications, BN folded into the convolutions, shortcut add and ReLU
/// fused into each block's last convolution) at batch 1 with random weights: a latency estimate of the
/// engine on ResNet's shapes (7x7/2 stem, strided and 1x1 convolutions, 7x7 maps) before issue 3 builds the model.
func benchmarkResNet50Forward(threads: [Int], repeats: Int) throws {
    for algorithm in [Conv2D.Algorithm.gemm, .winograd] {
        try benchmarkResNet50Forward(threads: threads, repeats: repeats, algorithm: algorithm)
    }
}

/// With `.winograd`, the 3x3 convolutions of the 56x56, 28x28 and 14x14 stages use Winograd F(2x2, 3x3), as the
/// executor does (`LayerCompiler.winogradPays`); the 7x7 stage keeps the GEMM, which is faster there.
private func benchmarkResNet50Forward(threads: [Int], repeats: Int, algorithm: Conv2D.Algorithm) throws {
    print("## ResNet50 forward pass (BN folded, residual fused), batch 1, 224x224, \(algorithm) for early 3x3 convolutions")
    var seed: UInt64 = 100
    func convolution(_ kernel: Int, _ inputs: Int, _ outputs: Int, stride: Int = 1, padding: Padding = .same,
                     activation: Activation = .relu) throws -> Conv2D {
        seed += 1
        let scale = 1 / Float(kernel * kernel * inputs).squareRoot()
        return try Conv2D(kernel: Tensor(shape: [kernel, kernel, inputs, outputs],
                                         values: randomValues(kernel * kernel * inputs * outputs, seed: seed).map { $0 * scale }),
                          bias: Tensor(shape: [outputs]), strides: (stride, stride), padding: padding, activation: activation,
                          algorithm: kernel == 3 && outputs <= 256 ? algorithm : .gemm)
    }
    struct Block { let reduce: Conv2D, spatial: Conv2D, expand: Conv2D, shortcut: Conv2D? }
    let stem = try convolution(7, 3, 64, stride: 2, padding: .valid)
    let stemPadding = try ZeroPadding2D(top: 3, bottom: 3, left: 3, right: 3)
    let poolPadding = try ZeroPadding2D(top: 1, bottom: 1, left: 1, right: 1)
    let pool = try Pool2D(.max, poolSize: (3, 3), strides: (2, 2))
    var blocks: [Block] = []
    var channels = 64
    for (filters, count, stride) in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)] {
        for index in 0..<count {
            let first = index == 0
            blocks.append(Block(reduce: try convolution(1, channels, filters, stride: first ? stride : 1, padding: .valid),
                                spatial: try convolution(3, filters, filters),
                                expand: try convolution(1, filters, 4 * filters),
                                shortcut: first ? try convolution(1, channels, 4 * filters, stride: stride, padding: .valid, activation: .linear) : nil))
            channels = 4 * filters
        }
    }
    let head = try Dense(kernel: Tensor(shape: [2048, 1000], values: randomValues(2048 * 1000, seed: 7).map { $0 / 45 }),
                         bias: Tensor(shape: [1000]), activation: .softmax)
    let globalPool = GlobalPool2D(.average)

    // Buffers are allocated once here; the timed pass below allocates none (an arena would also reuse them).
    let workspace = Workspace()
    let input = try Tensor(shape: [1, 224, 224, 3], values: randomValues(224 * 224 * 3, seed: 1).map { $0 * 128 })
    let padded = try Tensor(shape: stemPadding.outputShape(for: input))
    let stemOutput = try Tensor(shape: stem.outputShape(for: padded))
    let poolInput = try Tensor(shape: poolPadding.outputShape(for: stemOutput))
    let poolOutput = try Tensor(shape: pool.outputShape(for: poolInput))
    var blockBuffers: [(reduce: Tensor, spatial: Tensor, shortcut: Tensor?, output: Tensor)] = []
    var current = poolOutput
    for block in blocks {
        let reduce = try Tensor(shape: block.reduce.outputShape(for: current))
        let spatial = try Tensor(shape: block.spatial.outputShape(for: reduce))
        let shortcut = try block.shortcut.map { try Tensor(shape: $0.outputShape(for: current)) }
        let output = try Tensor(shape: block.expand.outputShape(for: spatial))
        blockBuffers.append((reduce, spatial, shortcut, output))
        current = output
    }
    let pooled = try Tensor(shape: globalPool.outputShape(for: current))
    let probabilities = try Tensor(shape: head.outputShape(for: pooled))

    func forward() throws {
        try stemPadding.forward(input, into: padded)
        try stem.forward(padded, into: stemOutput, workspace: workspace)
        try poolPadding.forward(stemOutput, into: poolInput)
        try pool.forward(poolInput, into: poolOutput)
        var current = poolOutput
        for (block, buffers) in zip(blocks, blockBuffers) {
            try block.reduce.forward(current, into: buffers.reduce, workspace: workspace)
            try block.spatial.forward(buffers.reduce, into: buffers.spatial, workspace: workspace)
            if let shortcut = block.shortcut, let shortcutOutput = buffers.shortcut {
                try shortcut.forward(current, into: shortcutOutput, workspace: workspace)
            }
            try block.expand.forward(buffers.spatial, into: buffers.output, residual: buffers.shortcut ?? current, workspace: workspace)
            current = buffers.output
        }
        try globalPool.forward(current, into: pooled)
        try head.forward(pooled, into: probabilities, workspace: workspace)
    }
    for count in threads {
        Parallelism.workers = count
        let timing = try Timing(repeats: repeats, threads: count) { try forward() }
        print("\(count) thread\(count == 1 ? " " : "s"): forward best \(format(timing.best * 1e3, 2)) ms, median \(format(timing.median * 1e3, 2)) ms, "
            + "\(format(7.7e9 / timing.bestCPU / 1e9, 0)) GFLOP/s per CPU-second (7.7 GFLOP)")
    }
    Parallelism.workers = 0
}

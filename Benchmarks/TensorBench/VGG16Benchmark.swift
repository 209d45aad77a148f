#if canImport(Glibc)
import Glibc
#endif
import Tensor

/// VGG16's layer sequence at batch 1 with random weights, run the way a graph executor would: layers
/// built once, activations planned into one `TensorArena`, one `Workspace`, nothing allocated per pass.
/// An estimate of the model's latency before the architecture module exists (issue 3 builds the real one).
func benchmarkVGG16Forward(threads: [Int], repeats: Int) throws {
    for algorithm in [Conv2D.Algorithm.gemm, .winograd] {
        try benchmarkVGG16Forward(threads: threads, repeats: repeats, algorithm: algorithm)
    }
}

/// With `.winograd`, every 3x3 convolution but the 3-channel first one uses Winograd F(2x2, 3x3).
private func benchmarkVGG16Forward(threads: [Int], repeats: Int, algorithm: Conv2D.Algorithm) throws {
    print("## VGG16 forward pass (conv stack, pools, fc1/fc2/predictions), batch 1, 224x224, \(algorithm) convolutions")
    var layers: [(name: String, run: (Tensor, Tensor, Workspace) throws -> Void, shape: [Int])] = []
    var shape = [1, 224, 224, 3]
    var weightBytes = 0
    var seed: UInt64 = 10
    for (index, layer) in vgg16Convolutions.enumerated() {
        let kernel = try Tensor(shape: [3, 3, layer.inputChannels, layer.outputChannels],
                                values: randomValues(9 * layer.inputChannels * layer.outputChannels, seed: seed))
        seed += 1
        let convolution = try Conv2D(kernel: kernel, bias: Tensor(shape: [layer.outputChannels]), padding: .same, activation: .relu,
                                     algorithm: layer.inputChannels >= 16 ? algorithm : .gemm)
        weightBytes += (kernel.count + layer.outputChannels) * 4
        shape = [1, layer.size, layer.size, layer.outputChannels]
        layers.append((layer.name, { try convolution.forward($0, into: $1, workspace: $2) }, shape))
        let lastInBlock = index == vgg16Convolutions.count - 1 || vgg16Convolutions[index + 1].size != layer.size
        if lastInBlock {
            let pool = try Pool2D(.max, poolSize: (2, 2))
            shape = [1, layer.size / 2, layer.size / 2, layer.outputChannels]
            layers.append(("pool", { input, output, _ in try pool.forward(input, into: output) }, shape))
        }
    }
    var units = shape.dropFirst().reduce(1, *)
    for (name, outputs, activation) in [("fc1", 4096, Activation.relu), ("fc2", 4096, .relu), ("predictions", 1000, .softmax)] {
        // Random fc weights are generated in slices: 25088 x 4096 values at once would double peak memory.
        let kernel = try Tensor(shape: [units, outputs])
        for row in 0..<units {
            randomValues(outputs, seed: seed &+ UInt64(row)).withUnsafeBufferPointer {
                (kernel.pointer + row * outputs).update(from: $0.baseAddress!, count: outputs)
            }
        }
        seed += 1
        let dense = try Dense(kernel: kernel, bias: Tensor(shape: [outputs]), activation: activation)
        weightBytes += (units * outputs + outputs) * 4
        units = outputs
        layers.append((name, { input, output, workspace in
            try dense.forward(input.flattened(), into: output, workspace: workspace)
        }, [1, outputs]))
    }

    // Each activation lives from the layer that writes it to the layer that reads it.
    let inputSize = 224 * 224 * 3
    let arena = try TensorArena(lifetimes: [TensorArena.Lifetime(count: inputSize, firstUse: 0, lastUse: 0)]
        + layers.enumerated().map { TensorArena.Lifetime(count: $1.shape.reduce(1, *), firstUse: $0, lastUse: $0 + 1) })
    let input = try arena.tensor(0, shape: [1, 224, 224, 3])
    try input.copy(from: Tensor(shape: input.shape, values: randomValues(inputSize, seed: 99).map { $0 * 128 }))
    let activations = try layers.enumerated().map { try arena.tensor($0 + 1, shape: $1.shape) }
    let workspace = Workspace()
    func forward() throws {
        var current = input
        for (index, layer) in layers.enumerated() {
            try layer.run(current, activations[index], workspace)
            current = activations[index]
        }
    }
    for count in threads {
        Parallelism.workers = count
        let timing = try Timing(repeats: repeats, threads: count) { try forward() }
        // Per-kind sums of each layer's best time show where the time goes (pools and fc are memory-bound).
        var byKind: [(kind: String, ms: Double)] = [("conv", 0), ("pool", 0), ("fc", 0)]
        var current = input
        for (index, layer) in layers.enumerated() {
            let layerTiming = try Timing(repeats: repeats, threads: count) { try layer.run(current, activations[index], workspace) }
            let kind = layer.name.hasPrefix("block") ? 0 : layer.name == "pool" ? 1 : 2
            byKind[kind].ms += layerTiming.best * 1e3
            current = activations[index]
        }
        print("\(count) thread\(count == 1 ? " " : "s"): forward best \(format(timing.best * 1e3, 1)) ms, median \(format(timing.median * 1e3, 1)) ms; "
            + "per-layer best summed: " + byKind.map { "\($0.kind) \(format($0.ms, 1)) ms" }.joined(separator: ", "))
    }
    Parallelism.workers = 0
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let peakBytes = Double(usage.ru_maxrss) * 1024
    let residentBytes = residentSetBytes()
    print("weights \(format(Double(weightBytes) / 1e6, 0)) MB, activation arena \(format(Double(arena.byteCount) / 1e6, 1)) MB, "
        + "workspace \(format(Double(workspace.byteCount) / 1e6, 1)) MB; resident after the passes \(format(residentBytes / 1e6, 0)) MB "
        + "(\(format(residentBytes / Double(weightBytes), 2))x weights); peak RSS \(format(peakBytes / 1e6, 0)) MB "
        + "(\(format(peakBytes / Double(weightBytes), 2))x, includes random weight generation and packing)")
}

/// The process's resident set now (second field of /proc/self/statm, in pages).
func residentSetBytes() -> Double {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0, resident = 0
    return withUnsafeMutablePointer(to: &size) { sizePointer in
        withUnsafeMutablePointer(to: &resident) { residentPointer in
            withVaList([sizePointer, residentPointer]) { vfscanf(file, "%ld %ld", $0) } == 2
                ? Double(residentPointer.pointee) * Double(sysconf(Int32(_SC_PAGESIZE))) : 0
        }
    }
}

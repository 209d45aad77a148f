import Tensor

/// MobileNetV2's 3x3 depthwise convolutions (224x224 input, batch 1), forward on 1 and 2 threads, and the input and
/// kernel gradients at batch 16 on 2: best ms of the runs, and GB/s of activations moved (input and output read or
/// written once; the kernel is a few kB). The layer does 9 multiply-adds per output value, so memory bandwidth, not
/// arithmetic, is the ceiling to compare with (`zoo ceilings`).
func benchmarkDepthwise(repeats: Int) throws {
    enum Pass { case forward, inputGradient, kernelGradient }
    let passes: [(pass: Pass, batch: Int, threads: Int, width: Int)] = [
        (.forward, 1, 1, 17), (.forward, 1, 2, 18), (.inputGradient, 16, 2, 23), (.kernelGradient, 16, 2, 24),
    ]
    let layers: [(name: String, size: Int, channels: Int, stride: Int)] = [
        ("expanded_conv", 112, 32, 1), ("block_1", 112, 96, 2), ("block_2", 56, 144, 1), ("block_3", 56, 144, 2),
        ("block_6", 28, 192, 2), ("block_7", 14, 384, 1), ("block_13", 14, 576, 2), ("block_16", 7, 960, 1),
    ]
    print("## MobileNetV2 depthwise 3x3 'same': best ms of \(repeats) (GB/s of input + output)")
    print("| layer         | input         | stride | forward, 1 thread | forward, 2 threads | batch 16 input gradient | batch 16 kernel gradient |")
    print("|---------------|---------------|-------:|------------------:|-------------------:|------------------------:|-------------------------:|")
    for layer in layers {
        let kernel = try Tensor(shape: [3, 3, layer.channels, 1], values: randomValues(9 * layer.channels, seed: 3))
        let depthwise = try DepthwiseConv2D(kernel: kernel, bias: nil, strides: (layer.stride, layer.stride), padding: .same)
        var cells: [String] = []
        for (pass, batch, threads, width) in passes {
            let input = try Tensor(shape: [batch, layer.size, layer.size, layer.channels],
                                   values: randomValues(batch * layer.size * layer.size * layer.channels, seed: 5))
            let output = try Tensor(shape: depthwise.outputShape(for: input))
            let inputGradient = try Tensor(shape: input.shape), kernelGradient = try Tensor(shape: kernel.shape)
            Parallelism.workers = threads
            let timing = try Timing(repeats: repeats, threads: threads) {
                switch pass {
                case .forward: try depthwise.forward(input, into: output)
                case .inputGradient: try depthwise.inputGradient(output, kernel: kernel, into: inputGradient)
                case .kernelGradient:
                    try depthwise.weightGradient(input: input, outputGradient: output, kernelGradient: kernelGradient, biasGradient: nil)
                }
            }
            let bytes = Double(4 * (input.count + output.count))
            cells.append(pad("\(format(timing.best * 1e3, 3)) (\(format(bytes / timing.best / 1e9)))", width))
        }
        print("| \(layer.name.padding(toLength: 13)) | \("\(layer.size)x\(layer.size)x\(layer.channels)".padding(toLength: 13)) | "
            + "\(pad("\(layer.stride)", 6)) | " + cells.joined(separator: " | ") + " |")
    }
    Parallelism.workers = 0
}

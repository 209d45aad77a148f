// TensorBench: GEMM and convolution throughput of the Tensor module. Release builds only:
//   swift run -c release TensorBench [gemm|resnet-gemm|mobile-gemm|conv|resnet-conv|dense|conv-backward|depthwise] [repeats]
// Whole models (VGG16, VGG19, ResNet50 from converted files) are timed by ModelBench (Benchmarks/latency.sh).
// Other processes may share the cores; each number is the best of several runs (median shown too).
let arguments = CommandLine.arguments.dropFirst()
let sections = Set(arguments.filter { Int($0) == nil })
let repeats = arguments.compactMap { Int($0) }.first ?? 5
let threads = [1, 2]

do {
    if sections.isEmpty || sections.contains("gemm") {
        try benchmarkGemm("VGG16 conv shapes", shapes: vgg16Convolutions.map(\.gemmShape), threads: threads, repeats: repeats)
    }
    if sections.isEmpty || sections.contains("resnet-gemm") {
        try benchmarkGemm("ResNet50 1x1 conv shapes", shapes: resnet50PointwiseShapes, threads: threads, repeats: repeats)
    }
    if sections.isEmpty || sections.contains("mobile-gemm") {
        try benchmarkGemm("MobileNetV2 and EfficientNetB0 shallow 1x1 conv shapes", shapes: mobilePointwiseShapes, threads: threads, repeats: repeats)
    }
    if sections.isEmpty || sections.contains("conv") { try benchmarkConvolutions("VGG16", vgg16Convolutions, threads: threads, repeats: repeats) }
    if sections.isEmpty || sections.contains("resnet-conv") {
        try benchmarkConvolutions("ResNet50 3x3", resnet50SpatialConvolutions, threads: threads, repeats: repeats)
    }
    if sections.isEmpty || sections.contains("dense") { try benchmarkDense(threads: threads, repeats: repeats) }
    if sections.isEmpty || sections.contains("conv-backward") { try benchmarkConvolutionBackward(threads: threads.max()!, repeats: repeats) }
    if sections.isEmpty || sections.contains("depthwise") { try benchmarkDepthwise(repeats: repeats) }
} catch {
    print("TensorBench failed: \(error)")
}

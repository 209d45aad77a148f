// swift-tools-version:6.0
// Zoo: Keras checkpoints converted, rebuilt in Swift, verified layer by layer, and benchmarked.
// Module map (dependencies point down only; docs/architecture.md): zoo -> Bench; Bench -> Training, Zoo, Converter, Tensor;
// Training -> Zoo, Tensor (never Bench); Zoo -> Converter, Tensor, Ceilings; Tensor -> CKernels (C); Ceilings -> Tensor, CCeilings (C) -> CKernels (C).
// Converter depends on no module of ours.
import PackageDescription

// No CPU flags: every target builds for baseline x86-64, so one binary runs on any x86-64 and the package can be a
// versioned dependency (SwiftPM refuses `unsafeFlags` there). The hot kernels (GEMM register tile, Winograd
// transforms) are C in `CKernels`, compiled once per instruction set (AVX-512, AVX2+FMA, SSE2) with Clang target
// attributes; the best path the CPU supports is chosen when the program starts, ZOO_CPU forces one
// (Sources/Tensor/GEMM/KernelPath.swift, docs/performance.md). Swift code keeps its overflow checks: the kernels'
// inner loops are C, and without `-Ounchecked` the models run as fast (measured in docs/performance.md).

let package = Package(
    name: "Zoo",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "zoo", targets: ["ZooCLI"]),
        .library(name: "Converter", targets: ["Converter"]),
        .library(name: "Zoo", targets: ["Zoo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C shims: libhdf5's macros are not importable into Swift 6, so the shim wraps them.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        // libpng and libjpeg report errors by longjmp; this C target owns every setjmp.
        .target(name: "CImageCodecs", dependencies: ["CPNG", "CJPEG"]),

        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // The kernels of every instruction-set path, and the start-up choice among them (cpuid, xgetbv, ZOO_CPU).
        .target(name: "CKernels"),
        .target(name: "Tensor", dependencies: ["CKernels"]),
        .target(name: "Converter", dependencies: [
            "CHDF5",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The machine's ceilings, measured where Zoo runs (`zoo ceilings`, `zoo profile`, the latency report): the FMA
        // loops are C with a per-function target attribute, picked by cpuid at run time, so no compiler flag is needed.
        .target(name: "CCeilings", dependencies: ["CKernels"]),
        .target(name: "Ceilings", dependencies: ["CCeilings", "Tensor"]),
        .target(name: "Zoo", dependencies: ["Converter", "Tensor", "Ceilings"]),
        // Optimizers (so far) over Zoo's ParameterStore; batches reach it through a protocol, never from Bench.
        .target(name: "Training", dependencies: ["Zoo", "Tensor"]),
        // The benchmark suite: images in, tensors out (Data/), metrics (Metrics/), and above them the recipes that
        // fine-tune Zoo's models through Training's fit loop and the reports they write.
        .target(name: "Bench", dependencies: [
            "Zoo", "Training", "Converter", "Tensor", "CImageCodecs",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(name: "ZooCLI", dependencies: [
            "Converter", "Zoo", "Bench", "Tensor", "Training", "Ceilings",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Measurements run by hand in release builds (`swift run -c release <name>`), not by tests.
        .executableTarget(name: "SafetensorsThroughput", dependencies: [
            "Converter",
            .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Benchmarks/SafetensorsThroughput"),
        // Benchmarks/data_pipeline.sh builds and runs it in release mode.
        .executableTarget(name: "DataBench", dependencies: ["Bench"], path: "Benchmarks/DataBench"),
        // Benchmarks/latency.sh builds and runs it in release mode: a converted model's batch latency.
        // Shared by the Swift runners: raw float32 files and the process's resident memory.
        .target(name: "BenchmarkSupport", dependencies: ["Tensor"], path: "Benchmarks/BenchmarkSupport"),
        .executableTarget(name: "ModelBench", dependencies: [
            "Converter", "Zoo", "Tensor", "BenchmarkSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Benchmarks/ModelBench"),
        // Benchmarks/training.sh builds and runs it in release mode: one training step of a notebook model.
        .executableTarget(name: "TrainBench", dependencies: [
            "Converter", "Zoo", "Tensor", "Training", "BenchmarkSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Benchmarks/TrainBench"),

        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ConverterTests", dependencies: ["Converter", "Zoo", "TestSupport"]),
        .testTarget(name: "ZooTests", dependencies: ["Zoo", "Converter", "Tensor", "TestSupport"]),
        // Zoo, Converter and Training: recipes are checked against Zoo's notebook graphs; the feature-cache tests build
        // a small frozen base and feed the fit loop.
        .testTarget(name: "BenchTests", dependencies: ["Bench", "Zoo", "Converter", "Training", "Tensor", "TestSupport"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
        // Bench only for the `zoo train` tests' images; the Training module itself never imports it.
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Zoo", "Converter", "Tensor", "Bench", "TestSupport"]),
        // The benchmark runners' own parts that a wrong result would silently skew (the ONNX exporter).
        .testTarget(name: "BenchmarkTests", dependencies: ["TestSupport"]),

        // Benchmark runner (release builds): GEMM against OpenBLAS, VGG16 and ResNet50 convolution layer times, dense layers.
        .executableTarget(name: "TensorBench", dependencies: ["Tensor", "COpenBLAS"], path: "Benchmarks/TensorBench"),
    ]
)

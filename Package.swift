// swift-tools-version:6.0
// Zoo: Keras checkpoints converted, rebuilt in Swift, verified layer by layer, and benchmarked.
// Module map (dependencies point down only): zoo -> Bench -> Zoo -> Converter; Zoo -> Tensor.
import PackageDescription

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

        .target(name: "Tensor"),
        .target(name: "Converter", dependencies: [
            "CHDF5",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "Zoo", dependencies: ["Converter", "Tensor"]),
        .target(name: "Bench", dependencies: [
            "Zoo", "CImageCodecs",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(name: "ZooCLI", dependencies: [
            "Converter", "Zoo", "Bench",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Measurements run by hand in release builds (`swift run -c release <name>`), not by tests.
        .executableTarget(name: "SafetensorsThroughput", dependencies: [
            "Converter",
            .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Benchmarks/SafetensorsThroughput"),
        // Benchmarks/data_pipeline.sh builds and runs it in release mode.
        .executableTarget(name: "DataBench", dependencies: ["Bench"], path: "Benchmarks/DataBench"),

        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ConverterTests", dependencies: ["Converter", "Zoo", "TestSupport"]),
        .testTarget(name: "ZooTests", dependencies: ["Zoo", "TestSupport"]),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "TestSupport"]),
    ]
)

import Synchronization
import Testing
import Tensor

/// Every kernel path this machine can run (AVX-512, AVX2, generic on an AVX-512 machine): the kernel tests take it
/// as their argument, so the same cases and tolerances check each path's GEMM tile and Winograd transforms.
let kernelPaths = KernelPath.supported

/// One forced path at a time, across suites running in parallel (the path is process-wide).
private let kernelPathLock = Mutex(())

/// Runs `body` with the kernels switched to `path`, then switches back to the path chosen at start-up.
func withKernelPath(_ path: KernelPath, _ body: () throws -> Void) throws {
    try kernelPathLock.withLock { _ in
        let chosen = KernelPath.inUse
        try KernelPath.use(path)
        defer { try? KernelPath.use(chosen) }
        try body()
    }
}

@Suite struct KernelPathTests {
    /// At start-up the best path wins (generic is always there), unless ZOO_CPU named one.
    @Test func startsOnTheBestPathOrTheForcedOne() throws {
        #expect(kernelPaths.first == .generic)
        try withKernelPath(.generic) {
            #expect(KernelPath.inUse == .generic)
        }
        let chosen = KernelPath.forcedByEnvironment.flatMap(KernelPath.init(rawValue:)) ?? kernelPaths.last
        kernelPathLock.withLock { _ in #expect(KernelPath.inUse == chosen) }
        #expect(!KernelPath.cpuModel.isEmpty)
    }
}

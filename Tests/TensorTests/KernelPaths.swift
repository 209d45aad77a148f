import Foundation
import Synchronization
import Testing
@testable import Tensor

/// Every kernel path this machine can run (AVX-512, AVX2, generic on an AVX-512 machine): the kernel tests take it
/// as their argument, so the same cases and tolerances check each path's GEMM tile and Winograd transforms.
let kernelPaths = KernelPath.supported

/// Runs `body` with its kernels on `path` (this thread and the workers it hands tasks to); tests beside it keep theirs.
func withKernelPath(_ path: KernelPath, _ body: () throws -> Void) throws {
    try KernelPath.with(path, body)
}

@Suite struct KernelPathTests {
    /// At start-up the best path wins (generic is always there), unless ZOO_CPU named one.
    @Test func startsOnTheBestPathOrTheForcedOne() throws {
        #expect(kernelPaths.first == .generic)
        try withKernelPath(.generic) {
            #expect(KernelPath.inUse == .generic)
        }
        let chosen = KernelPath.forcedByEnvironment.flatMap(KernelPath.init(rawValue:)) ?? kernelPaths.last
        #expect(KernelPath.inUse == chosen)
        #expect(!KernelPath.cpuModel.isEmpty)
    }

    /// A path held by one thread is the path of the workers it hands tasks to, and of no other thread: a test training
    /// twice for the same bits once failed on CI because a kernel test beside it switched the path under it.
    @Test func aHeldPathReachesTheWorkersAndNoOtherThread() throws {
        let chosen = KernelPath.inUse
        var runs: [(thread: pthread_t, path: KernelPath)] = []
        try withKernelPath(.generic) {
            // Each of the two tasks waits a while for the other to start, so two threads run them, unless the pool was
            // busy with another test's region and Dispatch, its fallback, had no second thread free: then try again.
            // Each task writes its own slot; runTasks returning orders the writes before the reads.
            let slots = UnsafeMutablePointer<(thread: pthread_t, path: KernelPath)>.allocate(capacity: 2)
            defer { slots.deallocate() }
            let seen = SendablePointer(slots)
            for _ in 0..<20 where Set(runs.map(\.thread)).count < 2 {
                let started = Atomic<Int>(0)
                runTasks(2, workers: 2) { _, task in
                    started.add(1, ordering: .relaxed)
                    let deadline = Date().addingTimeInterval(1)
                    while started.load(ordering: .relaxed) < 2, Date() < deadline {}
                    (seen.pointer + task).initialize(to: (pthread_self(), KernelPath.inUse))
                }
                runs = Array(UnsafeBufferPointer(start: slots, count: 2))
                #expect(runs.allSatisfy { $0.path == .generic }, "\(runs)")
            }
            #expect(onAnotherThread { KernelPath.inUse } == chosen)
        }
        #expect(Set(runs.map(\.thread)).count == 2, "no try ran the two tasks on two threads: \(runs)")
        #expect(KernelPath.inUse == chosen)
    }
}

/// `body`'s result, computed on a new thread.
private func onAnotherThread<Result: Sendable>(_ body: @escaping @Sendable () -> Result) -> Result {
    let result = Mutex<Result?>(nil), done = DispatchSemaphore(value: 0)
    Thread {
        result.withLock { $0 = body() }
        done.signal()
    }.start()
    done.wait()
    return result.withLock { $0! }
}

import Dispatch
import Synchronization

/// Raw pointers are not Sendable; workers receive disjoint regions of the same buffers, which is what makes
/// sharing them safe. Wrapping marks each such hand-over explicitly.
struct SendablePointer<Element>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Element>
    init(_ pointer: UnsafeMutablePointer<Element>) { self.pointer = pointer }
}

/// How many threads the compute-bound kernels (GEMM, convolution) use. Memory-bound kernels stay on one
/// thread: a single core already saturates DRAM bandwidth here (swift-native-libs.md §6).
public enum Parallelism {
    private static let configuredWorkers = Atomic<Int>(0)

    /// The worker count; 0 (the default) means one per active processor.
    public static var workers: Int {
        get {
            let configured = configuredWorkers.load(ordering: .relaxed)
            return configured > 0 ? configured : ProcessInfoCores.active
        }
        set { configuredWorkers.store(max(newValue, 0), ordering: .relaxed) }
    }
}

/// Runs `body(worker, task)` for every task in `0..<tasks` on up to `workers` threads. Threads pull the next
/// task from a shared counter: other processes share these cores, and a static split would wait for the
/// slowest thread. `worker` (in `0..<workers`) indexes per-thread scratch memory.
func runTasks(_ tasks: Int, workers: Int, _ body: @Sendable (_ worker: Int, _ task: Int) -> Void) {
    let threads = min(workers, tasks)
    if threads <= 1 {
        for task in 0..<tasks { body(0, task) }
        return
    }
    let nextTask = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: threads) { worker in
        while true {
            let task = nextTask.add(1, ordering: .relaxed).oldValue
            if task >= tasks { break }
            body(worker, task)
        }
    }
}

/// `SendablePointer` for untyped scratch memory split between workers.
struct SendableRawPointer: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    init(_ pointer: UnsafeMutableRawPointer) { self.pointer = pointer }
}

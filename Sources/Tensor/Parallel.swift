import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Raw pointers are not Sendable; workers receive disjoint regions of the same buffers, which is what makes
/// sharing them safe. Wrapping marks each such hand-over explicitly.
struct SendablePointer<Element>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Element>
    init(_ pointer: UnsafeMutablePointer<Element>) { self.pointer = pointer }
}

/// `SendablePointer` for untyped scratch memory split between workers.
struct SendableRawPointer: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    init(_ pointer: UnsafeMutableRawPointer) { self.pointer = pointer }
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

/// Runs `body(worker, task)` for every task in `0..<tasks` on up to `workers` threads: the calling thread and
/// the helpers of `WorkerPool.shared`. Threads pull the next task from a shared counter: other processes
/// share these cores, and a static split would wait for the slowest thread. `worker` (in `0..<workers`)
/// indexes per-thread scratch memory.
func runTasks(_ tasks: Int, workers: Int, _ body: @Sendable (_ worker: Int, _ task: Int) -> Void) {
    let threads = min(workers, tasks)
    if threads <= 1 {
        for task in 0..<tasks { body(0, task) }
        return
    }
    let nextTask = Atomic<Int>(0)
    WorkerPool.shared.run(threads: threads) { worker in
        while true {
            let task = nextTask.add(1, ordering: .relaxed).oldValue
            if task >= tasks { break }
            body(worker, task)
        }
    }
}

/// Helper threads that stay awake for a moment between parallel regions.
///
/// A ResNet50 forward pass at batch 1 is about 60 parallel regions of 0.1 to 1 ms. Waking a sleeping thread
/// for each (as `DispatchQueue.concurrentPerform` does) costs tens of microseconds on this virtual machine,
/// during which the calling thread works alone; measured, two 38 µs halves took 98 µs. The helpers here
/// poll for the next region for up to `spinNanoseconds` after finishing one (ONNX Runtime's workers spin
/// too), then sleep on a condition variable, so an idle process costs nothing.
///
/// One region at a time: a call made while another runs (from another thread, or nested in a task) falls
/// back to `DispatchQueue.concurrentPerform`.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// How long a helper polls for the next region before it sleeps.
    private static let spinNanoseconds: UInt64 = 500_000

    /// Set while a region runs; also guards `helperCount`, `job` and `participants`.
    private let busy = Atomic<Bool>(false)
    /// Counts regions; a helper starts a region's work when it sees the count change.
    private let generation = Atomic<Int>(0)
    /// Helpers that have not yet finished with the current region. Every helper reports, even one with no
    /// part in it: then no helper can still be reading a region's `job` when the next one is set up.
    private let remaining = Atomic<Int>(0)
    /// Helpers asleep (or about to sleep) on `condition`.
    private let sleepers = Atomic<Int>(0)
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var helperCount = 0
    /// The current region's work, called with the helper's worker index, and how many threads take part.
    private var job: (@Sendable (Int) -> Void)?
    private var participants = 0

    private init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    /// Calls `work(worker)` for every worker in `0..<threads`, `work(0)` on the calling thread, and returns
    /// when all have returned.
    func run(threads: Int, _ work: @Sendable (Int) -> Void) {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            DispatchQueue.concurrentPerform(iterations: threads, execute: work)
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        while helperCount < threads - 1 {
            helperCount += 1
            guard startHelper(index: helperCount) else {
                helperCount -= 1
                DispatchQueue.concurrentPerform(iterations: threads, execute: work)
                return
            }
        }
        withoutActuallyEscaping(work) { work in
            job = work
            participants = threads
            remaining.store(helperCount, ordering: .relaxed)
            // Sequentially consistent with the sleepers' count, so a helper about to sleep either sees the new
            // region or is counted and woken (see `waitForRegion`).
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(condition)
                pthread_mutex_unlock(mutex)
            }
            work(0)
            var polls = 0
            while remaining.load(ordering: .acquiring) > 0 {
                // A helper that lost its core to another process gets it back sooner if we step aside.
                polls += 1
                if polls > 1000 { sched_yield() }
            }
            job = nil
        }
    }

    private func startHelper(index: Int) -> Bool {
        final class Start {
            let pool: WorkerPool, index: Int, generation: Int
            init(_ pool: WorkerPool, _ index: Int, _ generation: Int) { (self.pool, self.index, self.generation) = (pool, index, generation) }
        }
        // The helper waits for regions after the current one: reading the count itself, once it runs, could
        // miss the region being set up now.
        let start = Unmanaged.passRetained(Start(self, index, generation.load(ordering: .relaxed))).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            let start = Unmanaged<Start>.fromOpaque(argument!).takeRetainedValue()
            start.pool.helperLoop(index: start.index, after: start.generation)
        }, start)
        guard created == 0 else {
            Unmanaged<Start>.fromOpaque(start).release()
            return false
        }
        pthread_detach(thread)
        return true
    }

    private func helperLoop(index: Int, after generation: Int) -> Never {
        var seen = generation
        while true {
            seen = waitForRegion(after: seen)
            if index < participants, let job { job(index) }
            remaining.subtract(1, ordering: .releasing)
        }
    }

    /// Polls for a region newer than `seen`, then sleeps; returns the new region's number.
    private func waitForRegion(after seen: Int) -> Int {
        let start = DispatchTime.now().uptimeNanoseconds
        var polls = 0
        while true {
            let current = generation.load(ordering: .acquiring)
            if current != seen { return current }
            polls += 1
            if polls % 1024 == 0, DispatchTime.now().uptimeNanoseconds - start > WorkerPool.spinNanoseconds { break }
        }
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while generation.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(condition, mutex) }
        sleepers.subtract(1, ordering: .relaxed)
        pthread_mutex_unlock(mutex)
        return generation.load(ordering: .acquiring)
    }
}

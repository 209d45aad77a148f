internal import CKernels
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
/// thread: a single core already saturates DRAM bandwidth here (an element-wise pass over 51 MB measured
/// 48 GB/s on one thread and no faster on two).
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
/// indexes per-thread scratch memory. The tasks run on the calling thread's kernel path (`KernelPath.with`).
func runTasks(_ tasks: Int, workers: Int, _ body: @Sendable (_ worker: Int, _ task: Int) -> Void) {
    let threads = min(workers, tasks)
    if threads <= 1 {
        for task in 0..<tasks { body(0, task) }
        return
    }
    let nextTask = Atomic<Int>(0)
    let path = KernelPath.held
    WorkerPool.shared.run(threads: threads) { worker in
        // Every thread runs the kernels on the caller's path (`KernelPath.with`), then goes back to its own.
        let own = KernelPath.held
        if own != path { KernelPath.hold(path) }
        defer { if own != path { KernelPath.hold(own) } }
        while true {
            let task = nextTask.add(1, ordering: .relaxed).oldValue
            if task >= tasks { break }
            body(worker, task)
        }
    }
}

/// Runs `body` over `0..<count` cut into one range per worker, each range starting at a multiple of `granule`, on the
/// workers when there are at least `parallelFrom` elements, else in one call on the calling thread: a region costs a few
/// microseconds, which a pass over a few kilobytes does not repay. For single passes over memory (normalising,
/// rescaling, pooling a map), where one thread streams at about 40 GB/s and two at nearly twice that.
func splitAcrossWorkers(_ count: Int, granule: Int, parallelFrom: Int, _ body: @Sendable (Range<Int>) -> Void) {
    let workers = Parallelism.workers
    guard count >= parallelFrom, workers > 1, count > granule else { return body(0..<count) }
    let share = roundUp((count + workers - 1) / workers, to: granule)
    runTasks((count + share - 1) / share, workers: workers) { _, task in
        body(task * share..<min((task + 1) * share, count))
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
/// A helper joins a region only while it is open: the calling thread closes it once its own part is done (the
/// tasks are pulled from a shared counter, so by then every task has been taken) and waits only for the helpers
/// that joined. A helper that lost its core to another process therefore costs a region nothing; when the calling
/// thread waited for every helper, EfficientNetB0's batch-1 pass took 44 ms instead of 4.3 beside two
/// lowest-priority busy loops (each wait lasted until the scheduler gave the helper its core back).
///
/// One region at a time: a call made while another runs (from another thread, or nested in a task) falls
/// back to `DispatchQueue.concurrentPerform`. Helpers are never stopped: after a call with more workers,
/// the extra ones sleep through the regions they have no part in.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// How long a helper polls for the next region before it sleeps.
    private static let spinNanoseconds: UInt64 = 500_000
    /// `region` holds the region's number above these bits and its thread count in them.
    private static let participantBits = 16
    private static let participantMask = 1 << participantBits - 1
    /// `entry` holds the region's number above these bits, then the closed flag, then the helpers at work in it.
    private static let entryBits = 17
    private static let closed = 1 << 16

    /// Set while a region runs; also guards `helperCount` and `job`.
    private let busy = Atomic<Bool>(false)
    /// The current region: its number and how many threads take part, in one word, so a helper learns both
    /// at once and can skip a region it has no part in without looking at `job`.
    private let region = Atomic<Int>(0)
    /// The current region's number, whether it is closed, and how many helpers joined it and have not finished their
    /// part: a helper that saw a region late cannot join a later one by mistake.
    private let entry = Atomic<Int>(0)
    /// Helpers asleep (or about to sleep) on `condition`.
    private let sleepers = Atomic<Int>(0)
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var helperCount = 0
    /// The current region's work, called with the helper's worker index.
    private var job: (@Sendable (Int) -> Void)?

    private init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    /// Calls `work(0)` on the calling thread and `work(worker)` for the workers in `1..<threads` that join in
    /// time, and returns when all have returned. `work` must share its tasks out dynamically: a worker may not come.
    func run(threads: Int, _ work: @Sendable (Int) -> Void) {
        guard threads <= WorkerPool.participantMask,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
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
            let number = region.load(ordering: .relaxed) >> WorkerPool.participantBits + 1
            entry.store(number << WorkerPool.entryBits, ordering: .relaxed)
            // Sequentially consistent with the sleepers' count, so a helper about to sleep either sees the new
            // region or is counted and woken (see `waitForRegion`).
            region.store(number << WorkerPool.participantBits | threads, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(condition)
                pthread_mutex_unlock(mutex)
            }
            work(0)
            entry.bitwiseOr(WorkerPool.closed, ordering: .relaxed)
            var polls = 0
            while entry.load(ordering: .acquiring) & (WorkerPool.closed - 1) > 0 {
                // A helper that joined and then lost its core gets it back sooner if we step aside, after a while.
                zoo_spin_hint()
                polls += 1
                if polls > 20_000 { sched_yield() }
            }
            job = nil
        }
    }

    private func startHelper(index: Int) -> Bool {
        final class Start {
            let pool: WorkerPool, index: Int, region: Int
            init(_ pool: WorkerPool, _ index: Int, _ region: Int) { (self.pool, self.index, self.region) = (pool, index, region) }
        }
        // The helper waits for regions after the current one: reading `region` itself, once it runs, could
        // miss the region being set up now.
        let start = Unmanaged.passRetained(Start(self, index, region.load(ordering: .relaxed))).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            let start = Unmanaged<Start>.fromOpaque(argument!).takeRetainedValue()
            start.pool.helperLoop(index: start.index, after: start.region)
        }, start)
        guard created == 0 else {
            Unmanaged<Start>.fromOpaque(start).release()
            return false
        }
        pthread_detach(thread)
        return true
    }

    private func helperLoop(index: Int, after first: Int) -> Never {
        var seen = first, polling = true
        while true {
            seen = waitForRegion(after: seen, polling: polling)
            // Not taking part: most likely a helper left over from a call with more workers, so it sleeps
            // through the next regions rather than competing for a core with the ones that work.
            polling = index < seen & WorkerPool.participantMask
            guard polling, join(region: seen >> WorkerPool.participantBits) else { continue }
            doPart(index)
            entry.subtract(1, ordering: .releasing)
        }
    }

    /// Counts the calling helper in region `number` unless the calling thread has closed it (or a later one began).
    private func join(region number: Int) -> Bool {
        var current = entry.load(ordering: .relaxed)
        while current >> WorkerPool.entryBits == number, current & WorkerPool.closed == 0 {
            let (exchanged, original) = entry.compareExchange(expected: current, desired: current + 1, ordering: .acquiring)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Runs the current job for `index`. A function of its own, so the helper's reference to the job is gone
    /// when it reports: `run` checks, when it clears `job`, that no reference outlived the region.
    @inline(never) private func doPart(_ index: Int) {
        job?(index)
    }

    /// Polls for a region other than `seen` (when `polling`), then sleeps; returns the new region. The polls do not
    /// yield the core: under the kernel's EEVDF scheduler a yield hands another runnable process a whole slice
    /// (milliseconds), however low its priority, and the next region would wait for it.
    private func waitForRegion(after seen: Int, polling: Bool) -> Int {
        let start = DispatchTime.now().uptimeNanoseconds
        var polls = 0
        while polling {
            let current = region.load(ordering: .acquiring)
            if current != seen { return current }
            zoo_spin_hint()
            polls += 1
            if polls % 64 == 0, DispatchTime.now().uptimeNanoseconds - start > WorkerPool.spinNanoseconds { break }
        }
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while region.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(condition, mutex) }
        sleepers.subtract(1, ordering: .relaxed)
        pthread_mutex_unlock(mutex)
        return region.load(ordering: .acquiring)
    }
}

import Glibc
import Synchronization
import Testing
@testable import Tensor

@Suite struct ParallelTests {
    /// Every task runs exactly once, on a worker index below the count, across thousands of regions whose
    /// worker counts change (helpers left over from a larger count must sit out), with nested calls (which
    /// fall back to Dispatch) and idle gaps long enough for the helpers to fall asleep.
    @Test func everyTaskRunsOnceWhateverTheWorkerCount() {
        let total = Atomic<Int>(0), misplaced = Atomic<Int>(0)
        var expected = 0
        for round in 0..<5000 {
            let workers = [2, 3, 2, 4, 2, 1, 2][round % 7]
            let tasks = (round * 7919) % 9 + 1
            let nests = round % 97 == 0
            runTasks(tasks, workers: workers) { worker, task in
                if worker >= workers { misplaced.add(1, ordering: .relaxed) }
                total.add(task + 1, ordering: .relaxed)
                if nests && task == 0 {
                    runTasks(3, workers: 2) { _, inner in total.add(inner, ordering: .relaxed) }
                }
            }
            expected += tasks * (tasks + 1) / 2 + (nests ? 3 : 0)
            if round % 1000 == 999 { usleep(2000) }
        }
        #expect(total.load(ordering: .relaxed) == expected)
        #expect(misplaced.load(ordering: .relaxed) == 0)
    }
}

import Foundation

/// Runs independent work items on all cores and returns their results in order. The first error
/// (by item order) is rethrown after all items finish.
enum ParallelMap {
    static func map<Result: Sendable>(_ indices: Range<Int>, _ body: @Sendable (Int) throws -> Result) throws -> [Result] {
        let results = ResultSlots<Result>(count: indices.count)
        DispatchQueue.concurrentPerform(iterations: indices.count) { offset in
            results.store(Swift.Result { try body(indices.lowerBound + offset) }, at: offset)
        }
        return try results.values()
    }
}

/// One slot per work item; each slot is written by exactly one worker, under a lock.
private final class ResultSlots<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Value, Error>?]

    init(count: Int) {
        slots = Array(repeating: nil, count: count)
    }

    func store(_ result: Result<Value, Error>, at index: Int) {
        lock.withLock { slots[index] = result }
    }

    func values() throws -> [Value] {
        try lock.withLock { slots }.map { try $0!.get() }
    }
}

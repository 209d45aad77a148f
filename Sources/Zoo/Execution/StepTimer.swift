import Dispatch

/// Each step's wall-clock time over the executor's calls while it is attached (`Model.profile`). Detached, the
/// executor pays one nil check per step.
final class StepTimer {
    /// Per step, one time per call, in nanoseconds.
    private(set) var nanoseconds: [[UInt64]]

    init(steps: Int) {
        nanoseconds = Array(repeating: [], count: steps)
    }

    static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

    func record(_ step: Int, since start: UInt64) {
        nanoseconds[step].append(StepTimer.now &- start)
    }
}

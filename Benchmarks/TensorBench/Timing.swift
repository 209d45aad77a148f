import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Best and median wall time of `repeats` runs after one warm-up, and the least CPU time any run used.
/// Other processes share the two cores, so the best run is the closest to what the code can do; the
/// median shows how noisy the machine was; CPU time does not count the time a thread waited for a core,
/// so `flops / bestCPU` is the per-core rate even on a busy machine. Single-threaded runs count this
/// thread's CPU time only (idle pool threads of GCD or OpenBLAS may still be spinning); multi-threaded
/// runs count the whole process, so spinning helper threads can lower that figure.
struct Timing {
    let best: Double
    let median: Double
    let bestCPU: Double

    init(repeats: Int, threads: Int, _ body: () throws -> Void) rethrows {
        try body()
        let clock = threads == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID
        var seconds: [Double] = [], cpuSeconds: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds, cpuStart = cpuTime(clock)
            try body()
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            cpuSeconds.append(cpuTime(clock) - cpuStart)
        }
        seconds.sort()
        best = seconds[0]
        median = seconds[seconds.count / 2]
        bestCPU = cpuSeconds.min()!
    }

    func gflops(_ flops: Double) -> Double { flops / best / 1e9 }
}

/// Deterministic pseudo-random floats in [-1, 1) (no Foundation, same values every run).
func randomValues(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Float(state >> 40) / Float(1 << 23) - 1
    }
}

func format(_ value: Double, _ decimals: Int = 1) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    if decimals == 0 { return "\(Int(rounded))" }
    var text = "\(rounded)"
    if let dot = text.firstIndex(of: ".") {
        let have = text.distance(from: dot, to: text.endIndex) - 1
        if have < decimals { text += String(repeating: "0", count: decimals - have) }
    }
    return text
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

/// CPU seconds used so far by this thread or this process, depending on `clock`.
func cpuTime(_ clock: clockid_t) -> Double {
    var time = timespec()
    clock_gettime(clock, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

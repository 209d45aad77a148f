import ArgumentParser
import Ceilings

struct CeilingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ceilings",
        abstract: "Measure this machine's FMA peak and memory bandwidth (about a second), the ceilings speeds are shares of.",
        discussion: """
        The FMA peak: twelve independent FMA chains per thread on the widest vector unit the CPU has (AVX-512, \
        else AVX2+FMA), 2 FLOPs per lane. The memory bandwidth: a 256 MiB memcpy, bytes read plus written per \
        second, the better of one thread and all. Rates are over each thread's own CPU time, the best of several \
        trials, so other processes sharing the cores lower them little: they are the hardware's. The latency benchmark calls `zoo ceilings --json`.

        Examples:
          zoo ceilings
          zoo ceilings --threads 1 --json
        """
    )

    @Option(help: "Threads to measure on (default: every core this process may use).") var threads: Int?
    @Flag(help: "Print one JSON object (cpu_model, vector_extensions, fma_unit, threads, fma_peak_gflops, memory_bandwidth_gbps, measured_at).")
    var json = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be a positive number, not \(threads)") }
    }

    func run() throws {
        let ceilings = MachineCeilings.measure(threads: threads ?? MachineCeilings.onlineCores)
        print(json ? try ceilings.jsonText() : ceilings.summary)
    }
}

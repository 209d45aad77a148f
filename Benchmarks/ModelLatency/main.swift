// Batch-N forward latency of a converted model through Zoo's fused executor, and its memory.
// Usage: swift run -c release ModelLatency MODEL.safetensors [--batch N] [--runs R]
// Prints the best and median wall time of R runs (after one planning run), the weight bytes, the arena
// bytes and the peak resident memory, so the numbers compare with DESIGN.md's peer table (ORT b1:
// ResNet50 18.1 ms, VGG16 71.6 ms, 2 threads). The machine is shared: read the best, not the mean.
import Converter
import Foundation
import Tensor
import Zoo

/// The process's peak resident memory so far, in MB.
func peakResidentMB() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) * 1024 / 1e6  // kilobytes on Linux
    #else
    getrusage(RUSAGE_SELF, &usage)
    return Double(usage.ru_maxrss) / 1e6  // bytes on Darwin
    #endif
}

func option(_ name: String, default fallback: Int) -> Int {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count,
          let value = Int(CommandLine.arguments[index + 1]) else { return fallback }
    return value
}

guard CommandLine.arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: ModelLatency MODEL.safetensors [--batch N] [--runs R]\n".utf8))
    exit(2)
}
let path = CommandLine.arguments[1]
let batch = option("--batch", default: 1), runs = option("--runs", default: 10)
do {
    let model = try Model(file: SafetensorsFile(path: path), mode: .fused)
    let loadPeak = peakResidentMB()
    let shape = model.inputShapes[0].map { $0 ?? 224 }
    let input = try Tensor(shape: [batch] + shape, values: (0..<(batch * shape.reduce(1, *))).map { Float($0 % 251) - 125 })
    _ = try model.run([input])
    var times: [Double] = []
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try model.run([input])
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    times.sort()
    let peak = peakResidentMB()
    print(String(format: "%@ batch %d: best %.1f ms, median %.1f ms over %d runs; weights %.1f MB, arena %.1f MB, peak RSS %.1f MB after loading, %.1f MB after running (%.2fx weights)",
                 (path as NSString).lastPathComponent, batch, times[0], times[times.count / 2], runs,
                 Double(model.weightBytes) / 1e6, Double(model.arenaBytes) / 1e6, loadPeak, peak, peak / (Double(model.weightBytes) / 1e6)))
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}

// Measures the safetensors writer and reader on a 400 MB F32 tensor, next to `cp` of the same
// bytes and to the writer's two ingredients (hashing, and write() into the page cache) alone.
// Run in a release build: swift run -c release SafetensorsThroughput [directory]
// Timing lives here rather than in a test: machines' speed varies, so a timed test would only be
// flaky, while these numbers are read by a person. Each figure is the best of three runs, since
// on a shared machine page-cache writeback makes single runs vary by 2x.

import Converter
import Crypto
import Foundation

let directory = CommandLine.arguments.dropFirst().first ?? NSTemporaryDirectory()
let count = 100_000_000  // 400 MB of float32
let bytes = count * 4
let clock = ContinuousClock()

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

func line(_ label: String, _ value: String) {
    print(label.padding(toLength: 46, withPad: " ", startingAt: 0) + value)
}

/// Runs `body` three times and reports the fastest, as seconds and GB/s of `bytes`.
func measure(_ label: String, bytes: Int, _ body: () throws -> Void) rethrows {
    var best = Double.infinity
    for _ in 0..<3 { best = min(best, seconds(try clock.measure(body))) }
    line(label, String(format: "%8.3f s  %6.2f GB/s", best, Double(bytes) / best / 1e9))
}

// Varied values (a tiny LCG), so nothing about the data is unusually easy to convert.
var values = [Float](repeating: 0, count: count)
var state: UInt32 = 1
for index in 0..<count {
    state = state &* 1_664_525 &+ 1_013_904_223
    values[index] = Float(Int32(bitPattern: state >> 8) - 0x40_0000) * 0x1p-20
}

print("400 MB of float32 values; GB/s are of the float32 input unless noted")
measure("SHA-256 alone, in memory", bytes: bytes) {
    var hasher = SHA256()
    values.withUnsafeBytes { hasher.update(bufferPointer: $0) }
    _ = hasher.finalize()
}
let plainPath = "\(directory)/throughput-plain"
measure("write() alone, 1 MiB calls, no fsync", bytes: bytes) {
    let descriptor = open(plainPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    values.withUnsafeBytes { raw in
        var start = 0
        while start < raw.count {
            start += write(descriptor, raw.baseAddress! + start, min(1 << 20, raw.count - start))
        }
    }
    close(descriptor)
}
try measure("cp of that 400 MB file", bytes: bytes) {
    let process = try Process.run(URL(fileURLWithPath: "/bin/cp"), arguments: [plainPath, plainPath + ".cp"])
    process.waitUntilExit()
}
try FileManager.default.removeItem(atPath: plainPath)
try FileManager.default.removeItem(atPath: plainPath + ".cp")

for dtype in StorageDType.allCases {
    let path = "\(directory)/throughput-\(dtype.rawValue).safetensors"
    try measure("\(dtype.rawValue): writer, init to finish (with fsync)", bytes: bytes) {
        var writer = try SafetensorsWriter(path: path, tensors: [("t", [count])], dtype: dtype, metadata: [:])
        try values.withUnsafeBufferPointer { try writer.append($0) }
        try writer.finish()
    }
    var file: SafetensorsFile?
    let opening = try clock.measure { file = try SafetensorsFile(path: path) }
    line("  open + validate the header", String(format: "%8.3f ms", seconds(opening) * 1e3))
    let stored = count * dtype.byteWidth
    measure("  verifyDataHash, GB/s of the stored bytes", bytes: stored) {
        precondition(file!.verifyDataHash() == .verified)
    }
    try measure("  floats(of:), GB/s of the float32 output", bytes: bytes) {
        let widened = try file!.floats(of: file!.tensors[0])
        precondition(widened.count == count)
    }
    file = nil
    try FileManager.default.removeItem(atPath: path)
}

// The conversion loops alone, in memory, through a 1 MiB staging buffer as the writer uses them.
let staging = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: 1 << 19)
defer { staging.deallocate() }
for dtype in [StorageDType.f16, .bf16] {
    measure("\(dtype.rawValue) conversion alone, in memory", bytes: bytes) {
        values.withUnsafeBufferPointer { source in
            var start = 0
            while start < count {
                let end = min(start + staging.count, count)
                let chunk = UnsafeBufferPointer(rebasing: source[start..<end])
                if dtype == .f16 { convertToHalf(chunk, into: staging) } else { convertToBFloat16(chunk, into: staging) }
                start = end
            }
        }
    }
}

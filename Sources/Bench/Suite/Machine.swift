import Foundation

/// The machine a result was measured on, as every speed figure must name it: the CPU model, its vector extensions
/// (AVX-512 or AVX2+FMA decide the kernels), and the Zoo commit that ran.
public struct Machine: Sendable {
    public let cpuModel: String
    public let vectorExtensions: [String]
    public let commit: String

    public static let current = Machine(
        cpuModel: cpuInfo?.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU",
        vectorExtensions: {
            let flags = Set(cpuInfo?.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
            return ["avx512f", "avx512bw", "avx512vl", "avx2", "fma", "f16c"].filter(flags.contains)
        }(),
        commit: ProcessInfo.processInfo.environment["ZOO_COMMIT"] ?? gitCommit() ?? "unknown commit")

    private static var cpuInfo: String? { try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) }

    /// `git describe` of the working directory's checkout (`make bench` runs from the repository); ZOO_COMMIT wins.
    private static func gitCommit() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "describe", "--always", "--dirty", "--abbrev=12"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !text.isEmpty ? text : nil
    }
}

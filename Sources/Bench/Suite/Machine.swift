import Foundation
import Tensor

/// The machine a result was measured on, as every speed figure must name it: the CPU model, its vector extensions
/// (AVX-512 or AVX2+FMA decide the kernels), and the Zoo commit that ran.
public struct Machine: Sendable {
    public let cpuModel: String
    public let vectorExtensions: [String]
    public let commit: String
    /// The path the kernels take in this run, and whether ZOO_CPU forced it (`KernelPath.summary`).
    public var kernels: String { KernelPath.summary }

    public static let current = Machine(
        // From cpuid, as the kernels' choice is (KernelPath).
        cpuModel: KernelPath.cpuModel,
        vectorExtensions: KernelPath.vectorExtensions,
        commit: zooCommit ?? "unknown commit (set ZOO_COMMIT, or run the binary from its git checkout)")

    /// ZOO_COMMIT if set (a packaged build), else `git describe` of the checkout holding the running executable (a
    /// SwiftPM build sits in the repository's .build folder), not of the current folder, which may be any project.
    static var zooCommit: String? {
        if let given = ProcessInfo.processInfo.environment["ZOO_COMMIT"], !given.isEmpty { return given }
        // The running binary itself (argv[0] may be a bare name found on PATH, which would name the current folder).
        let executable = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]).resolvingSymlinksInPath()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", executable.deletingLastPathComponent().path, "describe", "--always", "--dirty", "--abbrev=12"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !text.isEmpty ? text : nil
    }
}

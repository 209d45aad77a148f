import Bench
import Converter
import Foundation

/// What `zoo --version` prints: the converter version every converted file records, the commit of the checkout
/// the binary was built in (when it is known), and the CPU path the matrix kernels take on this machine.
enum VersionReport {
    static func text() -> String {
        let machine = Machine.current
        return [
            Conversion.converterVersion,
            "commit: \(commit() ?? "unknown (set ZOO_COMMIT, or run the binary from its git checkout)")",
            "cpu: \(machine.cpuModel)",
            "kernels: \(kernelPath(vectorExtensions: machine.vectorExtensions))",
        ].joined(separator: "\n")
    }

    /// The GEMM's choice, by the same rule as Tensor's `VectorWidth.hasAVX512` (the `avx512f` flag of /proc/cpuinfo).
    static func kernelPath(vectorExtensions: [String]) -> String {
        let path = vectorExtensions.contains("avx512f")
            ? "AVX-512 (6x32 register tile of 16-float vectors)"
            : "AVX2+FMA (the 6x32 tile as two 6x16 halves of 8-float vectors)"
        let flags = vectorExtensions.isEmpty ? "none of avx512f, avx2, fma, f16c" : vectorExtensions.joined(separator: " ")
        return "\(path); CPU flags: \(flags)"
    }

    /// ZOO_COMMIT if set (a packaged build), else `git describe` of the checkout holding the executable (a
    /// SwiftPM build sits in the repository's .build folder), not of the current folder, which may be any project.
    static func commit() -> String? {
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

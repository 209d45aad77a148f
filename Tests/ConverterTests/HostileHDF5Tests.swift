import Foundation
import Testing
import TestSupport

/// Checkpoints that crash libhdf5 itself (SIGSEGV in H5HG_read while it reads a variable-length string
/// attribute): `zoo convert` indexes every checkpoint in a child process first (IsolatedCheckpointIndex), so
/// each gives one line naming the file, exit status 1 and no signal, and an earlier result at the output is
/// left whole. The mutants are regenerated from committed fixtures by scripts/mutants.py (seed 12), which is
/// how they were found: 720 mutants of the tiny full-model files, converted by zoo before this containment.
@Suite struct HostileHDF5Tests {
    static let crashing: [(fixture: String, index: Int)] = [
        ("tiny_convs/tfk_full.h5", 5), ("tiny_pools/tfk_full.h5", 28),
        ("tiny_merges/k3_full.h5", 31), ("tiny_activations/k3_full.h5", 25),
    ]

    @Test func libhdf5CrashesEndInOneLineAndLoseNothing() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let zoo = try TestEnvironment.zooBinary()
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/mutants.py").path
        let output = directory.appendingPathComponent("earlier.safetensors")
        let earlier = Data("an earlier result that must survive".utf8)
        try earlier.write(to: output)
        for (fixture, index) in Self.crashing {
            let folder = directory.appendingPathComponent(fixture.replacingOccurrences(of: "/", with: "_"))
            let made = try TestEnvironment.run(try TestEnvironment.python(), [
                script, TestEnvironment.fixtures.appendingPathComponent(fixture).path, folder.path, "--count", "\(index + 1)",
            ])
            try #require(made.status == 0, "mutants.py failed: \(made.stderr)")
            let mutant = try #require(made.stdout.split(separator: "\n").last.map(String.init))
            let result = try TestEnvironment.run(zoo, ["convert", mutant, "-o", output.path, "--force", "--quiet"])
            #expect(result.status == 1, "\(fixture) mutant \(index): status \(result.status), \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains(mutant) && lines[0].contains("libhdf5"), "\(result.stderr)")
            #expect(try Data(contentsOf: output) == earlier, "the earlier output was changed")
            BadInputRecord.note("HDF5 files that crash libhdf5", "\(fixture) mutant \(index)",
                                outcome: "contained: one line, exit \(result.status), no signal")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
    }

    /// An index child that ends with a status that is not one of its verdicts (exit status 1 here, as a child under
    /// AddressSanitizer ends after a report) counts as a crash: one line, exit 1, and the file is never opened in the
    /// parent. The file is a good checkpoint, so had the parent fallen back to parsing it, the conversion would have
    /// succeeded and replaced the earlier output. The child is ended by a preloaded constructor, before zoo's own
    /// code runs, in the `zoo index-checkpoint` process only.
    @Test func anIndexChildEndingWithoutAVerdictIsACrash() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("end_index_child.c")
        try Data(Self.endIndexChild.utf8).write(to: source)
        let library = directory.appendingPathComponent("end_index_child.so").path
        let compiled = try TestEnvironment.run("/usr/bin/env", ["clang", "-shared", "-fPIC", "-O1", "-o", library, source.path])
        try #require(compiled.status == 0, "clang (it comes with the Swift toolchain) failed: \(compiled.stderr)")
        let input = TestEnvironment.fixtures.appendingPathComponent("tiny_convs/k3_full.h5").path
        let output = directory.appendingPathComponent("earlier.safetensors")
        let earlier = Data("an earlier result that must survive".utf8)
        try earlier.write(to: output)
        // A sanitizer runtime linked as a shared library wants to be the first one loaded; the preload is harmless to it.
        let asanOptions = [ProcessInfo.processInfo.environment["ASAN_OPTIONS"], "verify_asan_link_order=0"].compactMap { $0 }
        let result = try TestEnvironment.run(try TestEnvironment.zooBinary(), ["convert", input, "-o", output.path, "--force", "--quiet"],
                                             environment: ["LD_PRELOAD": library, "ASAN_OPTIONS": asanOptions.joined(separator: ":")])
        #expect(result.status == 1, "status \(result.status): \(result.stdout) \(result.stderr)")
        #expect(result.stderr == "Error: \(input): libhdf5 crashed indexing it (the index process ended with exit status 1, not a verdict): "
                                 + "the file is damaged or hostile; nothing was written\n", "\(result.stderr)")
        #expect(try Data(contentsOf: output) == earlier, "the file was converted in the parent after all")
    }

    /// Ends the process with status 1 when its first argument is `index-checkpoint`; any other process runs on.
    static let endIndexChild = """
        #include <fcntl.h>
        #include <string.h>
        #include <unistd.h>

        __attribute__((constructor)) static void end_index_child(void) {
            char line[4096] = {0};
            int file = open("/proc/self/cmdline", O_RDONLY);
            if (file < 0) return;
            ssize_t length = read(file, line, sizeof line - 1);
            close(file);
            if (length <= 0) return;
            const char *first = line + strlen(line) + 1;
            if (first < line + length && strcmp(first, "index-checkpoint") == 0) _exit(1);
        }
        """
}

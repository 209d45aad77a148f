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
}

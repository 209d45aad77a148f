import Foundation
import Testing
import TestSupport

/// The sweep on a real scheduler: Tests/Slurm/run-sweep.sh brings up a one-node Slurm cluster on this machine
/// (as root, from Debian's slurm-wlm and munge), runs a quick sweep as a job array with one task failing once,
/// resubmits it, merges after it (afterany), and runs the same sweep in one process; the two reports must agree
/// table for table. A scheduler that cannot start fails the test with the reason. About 1 minute on 2 cores.
@Suite(.serialized) struct SlurmSweepTests {
    @Test func aSlurmJobArrayMergesToTheOneProcessReport() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-slurm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/Slurm/run-sweep.sh").path
        let result = try TestEnvironment.run(script, [try TestEnvironment.zooBinary(), work.path], environment: [
            "ZOO_GOLDEN": try TestEnvironment.golden().path, "ZOO_GOLDEN_ACTIVATIONS": try TestEnvironment.goldenActivations().path,
        ])
        try #require(result.status == 0, "Tests/Slurm/run-sweep.sh failed:\n\(result.stderr.suffix(4000))\n\(result.stdout.suffix(2000))")
        let differences = try ReportTablesComparison.differences(work.appendingPathComponent("single"),
                                                                 work.appendingPathComponent("sweep/report"))
        #expect(differences.isEmpty, "\(differences.prefix(5).joined(separator: "\n"))")
    }
}

import Foundation
import Testing
import TestSupport
@testable import Bench

/// The emitted Kubernetes Jobs against the batch/v1 Job schema, offline: no cluster runs here, and
/// `kubectl apply --dry-run=client` fetches its schema from one, so kubernetes-validate checks them instead
/// (strict: an unknown or misplaced field is an error), for the oldest and newest Kubernetes releases it knows that
/// have every field the files use (completionMode: 1.22).
@Suite struct KubernetesManifestTests {
    @Test func emittedJobsMatchTheJobSchema() throws {
        let python = try TestEnvironment.kubernetesPython()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-k8s-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let recipe = try Recipe.read(from: TestEnvironment.repositoryRoot.appendingPathComponent("Benchmarks/recipes/vgg16-tb.json"))
        let plan = try SweepPlan.make(BenchSuite.Settings(recipes: [recipe], folds: 2, seeds: [2019, 2020], quick: true, out: root))
        let planFile = root.appendingPathComponent("plan.json")
        try plan.write(to: planFile)
        let manifests = try SchedulerFiles(plan: plan, planFile: planFile, parallel: 2, zoo: "zoo", shared: root, image: "zoo:test", claim: "zoo-sweep")
            .write(.kubernetes).filter { $0.pathExtension == "yaml" }
        try #require(manifests.count == 2)
        for version in ["1.25.0", "1.34.0"] {
            let check = try TestEnvironment.run(python, ["-m", "kubernetes_validate", "--strict", "--kubernetes-version", version]
                                                + manifests.map(\.path))
            #expect(check.status == 0, "Kubernetes \(version):\n\(check.stdout)\n\(check.stderr)")
            let passed = (check.stdout + check.stderr).components(separatedBy: "passed for resource job/").count - 1
            #expect(passed == 2, "both Jobs checked: \(check.stdout)\(check.stderr)")
        }
    }
}

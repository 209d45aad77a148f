import Foundation
import Testing
import TestSupport

/// The golden gradients (scripts/golden-gradients.sh) are complete before any training-parity test reads them:
/// every listed case has its reference and description, and both BatchNormalization semantics are present.
@Suite struct GoldenGradientsSetTests {
    @Test func setIsComplete() throws {
        struct Entry: Decodable { let `case`: String; let frozen_bn: String }
        let directory = try TestEnvironment.goldenGradients()
        let cases = try JSONDecoder().decode([Entry].self, from: Data(contentsOf: directory.appendingPathComponent("cases.json")))
        #expect(Set(cases.map(\.frozen_bn)) == ["tf2", "keras2"])
        #expect(Set(cases.map(\.case)).count == cases.count)
        #expect(Set(cases.map(\.case)) == Set(GradientParityTests.cases), "a generated case is not tested, or a tested one not generated")
    }
}

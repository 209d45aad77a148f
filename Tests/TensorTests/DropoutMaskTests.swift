import Testing
import Tensor

/// Dropout masks cannot match TensorFlow's random streams, so these check the mask's definition: values 0 and
/// 1/(1-rate), the kept fraction, reproducibility from the seed, and `apply` as `x * mask`.
@Suite struct DropoutMaskTests {
    @Test func rateZeroKeepsEverything() throws {
        let mask = try DropoutMask(shape: [3, 7], rate: 0, seed: 1)
        #expect(mask.values.toArray().allSatisfy { $0 == 1 })
    }

    @Test func maskIsInvertedAndSeeded() throws {
        let mask = try DropoutMask(shape: [100, 100], rate: 0.25, seed: 42)
        let values = mask.values.toArray(), scale: Float = 1 / 0.75
        #expect(values.allSatisfy { $0 == 0 || $0 == scale })
        let dropped = Double(values.filter { $0 == 0 }.count) / Double(values.count)
        #expect(abs(dropped - 0.25) < 0.02, "dropped fraction \(dropped)")
        #expect(try DropoutMask(shape: [100, 100], rate: 0.25, seed: 42).values.toArray() == values)
        #expect(try DropoutMask(shape: [100, 100], rate: 0.25, seed: 43).values.toArray() != values)
    }

    @Test func applyMultipliesInPlace() throws {
        let mask = try DropoutMask(shape: [37], rate: 0.5, seed: 7)
        let x = try Tensor(shape: [37], values: (0..<37).map { Float($0) - 18 })
        let expected = zip(x.toArray(), mask.values.toArray()).map { $0 * $1 }
        try mask.apply(x, into: x)
        #expect(x.toArray() == expected)
    }

    @Test func rejectsRatesOutsideTheUnitInterval() {
        #expect(throws: TensorError.self) { try DropoutMask(shape: [2], rate: 1, seed: 0) }
        #expect(throws: TensorError.self) { try DropoutMask(shape: [2], rate: -0.1, seed: 0) }
    }
}

import Testing
import Tensor

@Suite struct MergeTests {
    private static let kinds: [String: Merge.Kind] = [
        "add": .add, "subtract": .subtract, "multiply": .multiply, "divide": .divide, "average": .average,
        "maximum": .maximum, "minimum": .minimum,
    ]

    @Test func matchesKerasMergeLayersWithBroadcasting() throws {
        for testCase in try KernelGoldens.cases("merge") {
            let merge = Merge(try #require(Self.kinds[try testCase.string("kind")], "\(testCase.name): unknown merge kind"))
            expectMatches(try merge(testCase.numberedInputs()), testCase.expected, testCase.name)
        }
    }

    @Test func matchesKerasConcatenate() throws {
        for testCase in try KernelGoldens.cases("concatenate") {
            let concatenate = Concatenate(axis: Int(try testCase.requiredNumber("axis")))
            expectMatches(try concatenate(testCase.numberedInputs()), testCase.expected, testCase.name, tolerance: 0)
        }
    }

    @Test func flattenMatchesKerasNHWCOrder() throws {
        let testCase = try KernelGoldens.cases("flatten")[0]
        expectMatches(try testCase.input("x").flattened(), testCase.expected, testCase.name, tolerance: 0)
    }

    @Test func rejectsBadShapesWithErrors() throws {
        let a = try Tensor(shape: [2, 3, 4]), b = try Tensor(shape: [2, 3, 5])
        #expect(throws: TensorError.self) { try Merge(.add)([a, b]) }
        #expect(throws: TensorError.self) { try Merge(.add)([a]) }
        #expect(throws: TensorError.self) { try Merge(.subtract)([a, a, a]) }
        #expect(throws: TensorError.self) { try Concatenate(axis: 1)([a, b]) }
        #expect(throws: TensorError.self) { try Concatenate(axis: 3)([a, a]) }
        #expect(throws: TensorError.self) { try Merge(.add).forward([a, a], into: Tensor(shape: [2, 3, 5])) }
        #expect(throws: TensorError.self) { try Merge(.add).forward([a, Tensor(shape: [2, 1, 4])], into: Tensor(shape: [2, 1, 4])) }
        #expect(throws: TensorError.self) { try Concatenate().forward([a, b], into: Tensor(shape: [2, 3, 8])) }
        #expect(throws: TensorError.self) { try Tensor(shape: [2, 2], values: [1, 2, 3]) }
        #expect(throws: TensorError.self) { try a.reshaped([5, 5]) }
    }
}

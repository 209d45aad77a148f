import Testing
import Tensor

@Suite struct TensorAddTests {
    /// `add` is exact float32 addition, the sum of two gradients reaching one tensor.
    @Test func sumsGradients() throws {
        let a = try Tensor(shape: [2, 9], values: (0..<18).map(Float.init))
        let b = try Tensor(shape: [2, 9], values: (0..<18).map { Float($0) * 0.5 })
        try a.add(b)
        #expect(a.toArray() == (0..<18).map { Float($0) * 1.5 })
        #expect(throws: TensorError.self) { try a.add(Tensor(shape: [18])) }
    }
}

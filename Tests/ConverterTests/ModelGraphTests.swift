import Testing
import Converter

@Test func parameterCountSumsWeightShapes() {
    let graph = ModelGraph(name: "m", layers: [
        Layer(name: "d", op: .dense, weights: [WeightSpec(name: "kernel", shape: [3, 4]), WeightSpec(name: "bias", shape: [4])]),
    ], inputs: [], outputs: ["d"])
    #expect(graph.parameterCount == 16)
}

import Tensor

/// Runs compiled steps. Values are numbered by the step that produces them; a view step (flatten,
/// dropout) shares its input's memory.
///
/// Two ways to run: `keepingAll` gives every step fresh memory and returns every value (what parity
/// checking needs); `planned` places the values in one `TensorArena` sized for the largest set alive at
/// once, built on the first call for a given input shape and reused after, so later calls allocate nothing.
final class Executor {
    struct Step {
        let plan: StepPlan
        let kernel: LayerKernel
        let inputs: [Int]
        let residual: Int?
    }

    private(set) var steps: [Step]
    /// The steps of the graph's inputs and outputs, in the graph's order.
    let inputSteps: [Int]
    let outputSteps: [Int]
    let workspace = Workspace()
    /// The step whose memory each value is: itself, or what a view step looks through.
    private let owner: [Int]
    /// The last step reading each owner's memory (through any view of it); `steps.count` for outputs.
    private let lastUse: [Int]
    private var memory: PlannedMemory?
    /// Times every step while set (the profile); nil, the usual case, costs one branch per step.
    var stepTimer: StepTimer?

    /// The arena for one set of input shapes, with each step's output view taken once.
    private struct PlannedMemory {
        let inputShapes: [[Int]]
        let arena: TensorArena
        /// nil for input steps and views of inputs (their memory is the caller's).
        let outputs: [Tensor?]
    }

    init(steps: [(plan: StepPlan, kernel: LayerKernel)], inputs: [String], outputs: [String]) throws {
        let index = Dictionary(uniqueKeysWithValues: steps.enumerated().map { ($1.plan.name, $0) })
        func lookup(_ name: String, for consumer: String) throws -> Int {
            guard let position = index[name] else { throw ModelError("'\(consumer)' reads '\(name)', which no step produces") }
            return position
        }
        self.steps = try steps.map { step in
            Step(plan: step.plan, kernel: step.kernel, inputs: try step.plan.inputs.map { try lookup($0, for: step.plan.name) },
                 residual: try step.plan.residual.map { try lookup($0, for: step.plan.name) })
        }
        inputSteps = try inputs.map { try lookup($0, for: "the model's inputs") }
        outputSteps = try outputs.map { try lookup($0, for: "the model's outputs") }
        var owner = Array(self.steps.indices)
        for (position, step) in self.steps.enumerated() where step.kernel.isView { owner[position] = owner[step.inputs[0]] }
        var lastUse = Array(self.steps.indices)
        for (position, step) in self.steps.enumerated() {
            for value in step.inputs + (step.residual.map { [$0] } ?? []) { lastUse[owner[value]] = max(lastUse[owner[value]], position) }
        }
        for output in outputSteps { lastUse[owner[output]] = self.steps.count }
        self.owner = owner
        self.lastUse = lastUse
    }

    /// The same steps with new kernels (the weights changed, the plan did not): the arena stays valid.
    func replaceKernels(_ kernels: [LayerKernel]) throws {
        guard kernels.count == steps.count else {
            throw ModelError("\(kernels.count) kernels given for \(steps.count) steps")
        }
        steps = zip(steps, kernels).map { step, kernel in
            Step(plan: step.plan, kernel: kernel, inputs: step.inputs, residual: step.residual)
        }
    }

    /// Every step's value, each in its own memory.
    func keepingAll(_ inputs: [Tensor]) throws -> [Tensor] {
        var values = [Tensor?](repeating: nil, count: steps.count)
        for (position, step) in steps.enumerated() {
            values[position] = try run(position, step, values: values, inputs: inputs, into: nil)
        }
        return values.map { $0! }
    }

    /// The model's outputs, computed in the arena: views valid until the next call.
    func planned(_ inputs: [Tensor]) throws -> [Tensor] {
        let shapes = inputs.map(\.shape)
        if let memory, memory.inputShapes == shapes {
            var values = [Tensor?](repeating: nil, count: steps.count)
            for (position, step) in steps.enumerated() {
                values[position] = try run(position, step, values: values, inputs: inputs, into: memory.outputs[position])
            }
            return outputSteps.map { values[$0]! }
        }
        // First call for these shapes: learn every value's shape from a run in fresh memory, each value
        // released after its last reader (so this run's peak is the arena's), then plan.
        var values = [Tensor?](repeating: nil, count: steps.count)
        var valueShapes = [[Int]](repeating: [], count: steps.count)
        for (position, step) in steps.enumerated() {
            let value = try run(position, step, values: values, inputs: inputs, into: nil)
            values[position] = value
            valueShapes[position] = value.shape
            for read in step.inputs + (step.residual.map { [$0] } ?? []) where lastUse[owner[read]] == position {
                for dead in steps.indices where owner[dead] == owner[read] { values[dead] = nil }
            }
        }
        memory = try plan(shapes: valueShapes, inputShapes: shapes)
        return outputSteps.map { values[$0]! }
    }

    /// Runs one step; `output` is the planned memory, or nil for fresh memory.
    private func run(_ position: Int, _ step: Step, values: [Tensor?], inputs: [Tensor], into output: Tensor?) throws -> Tensor {
        if let stepTimer {
            let start = StepTimer.now
            defer { stepTimer.record(position, since: start) }
            return try compute(step, values: values, inputs: inputs, into: output, position: position)
        }
        return try compute(step, values: values, inputs: inputs, into: output, position: position)
    }

    private func compute(_ step: Step, values: [Tensor?], inputs: [Tensor], into output: Tensor?, position: Int) throws -> Tensor {
        do {
            if case .input = step.kernel {
                return inputs[inputSteps.firstIndex(of: position)!]
            }
            let operands = step.inputs.map { values[$0]! }
            if step.kernel.isView { return try step.kernel.view(of: operands[0]) }
            let target = try output ?? Tensor(shape: step.kernel.outputShape(for: operands))
            try step.kernel.forward(operands, residual: step.residual.map { values[$0]! }, into: target, workspace: workspace)
            return target
        } catch let error as ModelError {
            throw error
        } catch {
            throw ModelError.layer(step.plan.name, step.plan.opDescription, "\(error)")
        }
    }

    /// Arena slots for the steps that own memory. A value lives from its step to its last reader (through
    /// views of it); outputs live to the end. Views of arena memory are taken here once.
    private func plan(shapes: [[Int]], inputShapes: [[Int]]) throws -> PlannedMemory {
        var slots: [Int: Int] = [:], lifetimes: [TensorArena.Lifetime] = []
        for (position, step) in steps.enumerated() where owner[position] == position {
            if case .input = step.kernel { continue }
            slots[position] = lifetimes.count
            lifetimes.append(TensorArena.Lifetime(count: shapes[position].reduce(1, *), firstUse: position, lastUse: lastUse[position]))
        }
        let arena = try TensorArena(lifetimes: lifetimes)
        var outputs = [Tensor?](repeating: nil, count: steps.count)
        for (position, step) in steps.enumerated() {
            if let slot = slots[position] {
                outputs[position] = try arena.tensor(slot, shape: shapes[position])
            } else if step.kernel.isView, let source = outputs[step.inputs[0]] {
                outputs[position] = try step.kernel.view(of: source)
            }
        }
        return PlannedMemory(inputShapes: inputShapes, arena: arena, outputs: outputs)
    }

    var arenaBytes: Int { memory?.arena.byteCount ?? 0 }
}

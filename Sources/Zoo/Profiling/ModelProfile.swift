import Ceilings
import Converter
import Tensor

/// Where a forward pass spends its time: every execution step's median time over several runs, the work it does
/// (FLOPs of its convolution or dense layer) and the bytes it moves, each set against this machine's measured
/// ceilings, roofline style. A step is one Keras layer, or in the fused mode a convolution with the BatchNormalization,
/// residual add and activation it absorbed; its `layers` list them.
public struct ModelProfile: Sendable {
    public struct Step: Sendable {
        /// The value the step produces: its last layer's name.
        public let name: String
        /// `conv2d+batch_norm+add+activation` for a fused chain.
        public let operation: String
        /// The Keras layers the step computes, in order.
        public let layers: [String]
        public let outputShape: [Int]
        /// Median over the timed runs.
        public let milliseconds: Double
        /// 2 per multiply-add of a convolution or dense layer (its kernel's elements, once per output position), the
        /// count the latency report uses; 0 for every other step (their arithmetic is a few operations per byte).
        public let flops: Int
        /// The weights read, as float32 (a BatchNormalization folded into a convolution adds none: it is in its kernel).
        public let weightBytes: Int
        /// The inputs (and a fused residual) read plus the output written, as float32; 0 for a view (flatten, dropout).
        public let activationBytes: Int

        public var bytes: Int { weightBytes + activationBytes }
        public var gflopsPerSecond: Double { Double(flops) / milliseconds / 1e6 }
        public var gigabytesPerSecond: Double { Double(bytes) / milliseconds / 1e6 }
    }

    /// Which ceiling bounds a step: its FLOPs at the FMA peak, or its bytes at the memory bandwidth, whichever takes longer.
    public enum Bound: String, Sendable { case compute, memory }

    public let model: String
    public let mode: Model.Mode
    /// The input batch, e.g. [1, 224, 224, 3].
    public let inputShape: [Int]
    public let runs: Int
    /// Threads the kernels ran on (Tensor's `Parallelism.workers`).
    public let threads: Int
    public let steps: [Step]
    /// Median time of the whole forward pass (a little more than the steps' sum: the executor's own work).
    public let totalMilliseconds: Double
    public let ceilings: MachineCeilings

    /// The shortest time the ceilings allow for `step`, and which of them sets it.
    public func floor(of step: Step) -> (milliseconds: Double, bound: Bound) {
        let compute = Double(step.flops) / (ceilings.fmaPeakGFLOPS * 1e6)
        let memory = Double(step.bytes) / (ceilings.memoryBandwidthGBps * 1e6)
        return compute >= memory ? (compute, .compute) : (memory, .memory)
    }

    /// The step's speed as a share of what its binding ceiling allows (1: at the roofline).
    public func ceilingShare(of step: Step) -> Double {
        step.milliseconds > 0 ? floor(of: step).milliseconds / step.milliseconds : 0
    }

    public var totalFlops: Int { steps.reduce(0) { $0 + $1.flops } }
}

extension Model {
    /// Profiles a forward pass of `inputs`: one untimed run that learns every value's shape, `warmup` untimed runs
    /// (the fused mode plans its arena in the first), then `runs` timed ones with every step timed. `ceilings` are
    /// the machine's, measured by the caller on the threads the kernels use.
    public func profile(_ inputs: [Tensor], runs: Int, warmup: Int = 1, ceilings: MachineCeilings) throws -> ModelProfile {
        guard runs > 0, warmup >= 0 else { throw ModelError("a profile needs at least one timed run, got \(runs)") }
        try check(inputs)
        let shapes = try executor.keepingAll(inputs).map(\.shape)
        for _ in 0..<warmup { _ = try run(inputs) }
        let timer = StepTimer(steps: executor.steps.count)
        executor.stepTimer = timer
        defer { executor.stepTimer = nil }
        var totals: [Double] = []
        for _ in 0..<runs {
            let start = StepTimer.now
            _ = try run(inputs)
            totals.append(Double(StepTimer.now - start) / 1e6)
        }
        let steps = executor.steps.enumerated().compactMap { position, step -> ModelProfile.Step? in
            if case .input = step.kernel { return nil }
            let reads = step.kernel.isView ? [] : step.inputs + (step.residual.map { [$0] } ?? [])
            let touched = reads.map { shapes[$0] } + (step.kernel.isView ? [] : [shapes[position]])
            return ModelProfile.Step(
                name: step.plan.name, operation: step.plan.opDescription, layers: step.plan.allLayers.map(\.name),
                outputShape: shapes[position], milliseconds: Self.median(timer.nanoseconds[position].map { Double($0) / 1e6 }),
                flops: Self.flops(of: step.plan, outputShape: shapes[position], inputShape: step.inputs.first.map { shapes[$0] }),
                weightBytes: Self.weightBytes(of: step.plan), activationBytes: touched.reduce(0) { $0 + $1.reduce(1, *) } * MemoryLayout<Float>.stride)
        }
        return ModelProfile(model: graph.name, mode: mode, inputShape: inputs[0].shape, runs: runs, threads: Parallelism.workers,
                            steps: steps, totalMilliseconds: Self.median(totals), ceilings: ceilings)
    }

    /// 2 x the kernel's elements x the output positions (output elements over output channels) of the step's
    /// convolution or dense layer: Keras' kernels are (kh, kw, in / groups, out) and (in, out). A depthwise
    /// convolution's output value takes one multiply-add per tap: 2 x kh x kw x the output elements. A separable one
    /// is both: its depthwise stage (kh x kw x its in x M channels per position), then its pointwise GEMM; so is a
    /// pointwise convolution with a depthwise stage folded in front, and an expansion in front of that (over the
    /// positions of `inputShape`, the step's input).
    static func flops(of plan: StepPlan, outputShape: [Int], inputShape: [Int]? = nil) -> Int {
        if let expansion = plan.expansion, let kernel = expansion[0].weights.first(where: { $0.name == "kernel" }), let inputShape,
           let channels = inputShape.last, channels > 0 {
            var rest = plan
            rest.expansion = nil
            return 2 * (inputShape.reduce(1, *) / channels) * kernel.shape.reduce(1, *) + flops(of: rest, outputShape: outputShape)
        }
        if let stage = plan.depthwiseStage, let depthwise = stage.layers[0].weights.first(where: { $0.name == "kernel" }),
           let filters = outputShape.last, filters > 0 {
            let positions = outputShape.reduce(1, *) / filters
            var rest = plan
            rest.depthwiseStage = nil
            return 2 * positions * depthwise.shape.reduce(1, *) + flops(of: rest, outputShape: outputShape)
        }
        if plan.head.op == .separableConv2d, let depthwise = plan.head.weights.first(where: { $0.name == "depthwise_kernel" }),
           let pointwise = plan.head.weights.first(where: { $0.name == "pointwise_kernel" }), let filters = outputShape.last, filters > 0 {
            let positions = outputShape.reduce(1, *) / filters
            return 2 * positions * (depthwise.shape.reduce(1, *) + pointwise.shape.reduce(1, *))
        }
        guard plan.head.op.isWeighted, let kernel = plan.head.weights.first(where: { $0.name == "kernel" }),
              let outputs = kernel.shape.last, outputs > 0 else { return 0 }
        if plan.head.op == .depthwiseConv2d { return 2 * kernel.shape[0] * kernel.shape[1] * outputShape.reduce(1, *) }
        return 2 * kernel.shape.reduce(1, *) * (outputShape.reduce(1, *) / outputs)
    }

    /// The weights of the step's layers, less the BatchNormalizations folded into a convolution's.
    static func weightBytes(of plan: StepPlan) -> Int {
        let folded = plan.head.op.isConvolution
        return plan.allLayers.filter { !(folded && $0.op == .batchNorm) }.reduce(0) { $0 + $1.parameterCount }
            * MemoryLayout<Float>.stride
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

/// One model's inference and training-step speed on one engine and CPU: one row of `latency.md`.
public struct LatencyRecord: Codable, Sendable, Equatable {
    public var model: String
    /// Height = width in pixels, e.g. 224.
    public var inputSize: Int
    /// "zoo", "keras", "onnxruntime", ...
    public var engine: String
    public var cpuModel: String
    public var vectorExtensions: [String]
    public var batch1MedianMs: Double
    public var batch1P90Ms: Double
    public var batch1P99Ms: Double
    public var batch16ImagesPerSecond: Double
    public var peakMemoryMB: Double
    /// One training step with the base frozen (head only).
    public var trainStepFrozenMs: Double?
    /// One training step with every layer trainable.
    public var trainStepUnfrozenMs: Double?
    /// One epoch over cached base features, and one running the base every step.
    public var epochSecondsCached: Double?
    public var epochSecondsUncached: Double?

    public init(model: String, inputSize: Int, engine: String, cpuModel: String, vectorExtensions: [String],
                batch1MedianMs: Double, batch1P90Ms: Double, batch1P99Ms: Double, batch16ImagesPerSecond: Double,
                peakMemoryMB: Double, trainStepFrozenMs: Double? = nil, trainStepUnfrozenMs: Double? = nil,
                epochSecondsCached: Double? = nil, epochSecondsUncached: Double? = nil) {
        self.model = model
        self.inputSize = inputSize
        self.engine = engine
        self.cpuModel = cpuModel
        self.vectorExtensions = vectorExtensions
        self.batch1MedianMs = batch1MedianMs
        self.batch1P90Ms = batch1P90Ms
        self.batch1P99Ms = batch1P99Ms
        self.batch16ImagesPerSecond = batch16ImagesPerSecond
        self.peakMemoryMB = peakMemoryMB
        self.trainStepFrozenMs = trainStepFrozenMs
        self.trainStepUnfrozenMs = trainStepUnfrozenMs
        self.epochSecondsCached = epochSecondsCached
        self.epochSecondsUncached = epochSecondsUncached
    }
}

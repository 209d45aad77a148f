/// The attributes only training reads (their keys are documented on `Op`), built the same way by the
/// Keras config importer and by the named architectures, so both describe a model alike.
public enum TrainingAttributes {
    /// A serialised Keras object: `GlorotUniform()`, `L2(l2=0.001)`, `VarianceScaling(scale=2.0, ...)`.
    public static func kerasObject(_ className: String, _ config: [String: AttributeValue] = [:]) -> AttributeValue {
        .object(config.merging(["class": .string(className)]) { _, className in className })
    }

    /// `keras.regularizers.l2(factor)`, as both Keras versions serialise it.
    public static func l2(_ factor: Double) -> AttributeValue { kerasObject("L2", ["l2": .double(regularizerFactor(factor))]) }

    /// Keras' default BatchNormalization momentum (tf-keras and Keras 3 alike).
    public static let defaultMomentum = 0.99

    /// What a Keras Conv2D, DepthwiseConv2D or Dense layer is created with unless told otherwise.
    public static let weightedLayerDefaults: [String: AttributeValue] = [
        "kernel_initializer": kerasObject("GlorotUniform"),
        "bias_initializer": kerasObject("Zeros"),
    ]

    /// What a Keras SeparableConv2D layer is created with unless told otherwise.
    public static let separableDefaults: [String: AttributeValue] = [
        "depthwise_kernel_initializer": kerasObject("GlorotUniform"),
        "pointwise_kernel_initializer": kerasObject("GlorotUniform"),
        "bias_initializer": kerasObject("Zeros"),
    ]

    /// What a Keras BatchNormalization layer is created with unless told otherwise.
    public static let batchNormDefaults: [String: AttributeValue] = [
        "momentum": .double(defaultMomentum),
        "gamma_initializer": kerasObject("Ones"),
        "beta_initializer": kerasObject("Zeros"),
        "moving_mean_initializer": kerasObject("Zeros"),
        "moving_variance_initializer": kerasObject("Ones"),
    ]

    /// What a Keras LayerNormalization layer is created with unless told otherwise.
    public static let layerNormDefaults: [String: AttributeValue] = [
        "gamma_initializer": kerasObject("Ones"),
        "beta_initializer": kerasObject("Zeros"),
    ]

    /// The keys of each op's training attributes: the Keras config keys they come from (DepthwiseConv2D's
    /// `depthwise_*` being kept as `kernel_*`, see `Op`).
    public static func keys(of op: Op) -> [String] {
        switch op {
        case .conv2d, .depthwiseConv2d, .dense:
            ["kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer", "activity_regularizer",
             "kernel_constraint", "bias_constraint"]
        case .separableConv2d:
            ["depthwise_kernel_initializer", "pointwise_kernel_initializer", "bias_initializer", "depthwise_kernel_regularizer",
             "pointwise_kernel_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_kernel_constraint",
             "pointwise_kernel_constraint", "bias_constraint"]
        case .batchNorm:
            ["momentum", "gamma_initializer", "beta_initializer", "moving_mean_initializer", "moving_variance_initializer",
             "gamma_regularizer", "beta_regularizer", "gamma_constraint", "beta_constraint"]
        case .layerNorm:
            ["gamma_initializer", "beta_initializer", "gamma_regularizer", "beta_regularizer", "gamma_constraint", "beta_constraint"]
        case .dropout: ["kind", "rate", "stddev", "noise_shape", "seed"]
        default: []
        }
    }

    /// The regularisers Zoo can apply (their factors are the config keys); any other is kept by name.
    public static let knownRegularizers: [String: [String]] = ["L1": ["l1"], "L2": ["l2"], "L1L2": ["l1", "l2"]]

    /// A regulariser factor as the float32 Keras computes the penalty in, written as its shortest
    /// decimal: tf-keras stores 0.001 as 0.0010000000474974513, Keras 3 as 0.001; both become 0.001.
    public static func regularizerFactor(_ value: Double) -> Double {
        Double(Float(value).description) ?? value
    }
}

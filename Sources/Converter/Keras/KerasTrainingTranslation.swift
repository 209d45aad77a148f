import Foundation

/// The parts of a Keras layer config that only training reads: initialisers, regularisers,
/// constraints, BatchNormalization's momentum and what kind of dropout a dropout layer is (keys
/// documented on `Op`). Both schemas serialise these objects alike (`{"class_name": "L2", "config":
/// {"l2": 0.001}}`, Keras 3 adding `module` and `registered_name`). Nothing here can make a
/// conversion fail: a class Zoo does not know is kept under its name, for training to refuse.
enum KerasTrainingTranslation {
    /// Keras' `trainable` of one layer or model config (absent in InputLayer and tf-keras Sequential configs).
    static func trainable(_ config: [String: Any]) -> Bool { config["trainable"] as? Bool ?? true }

    /// The dropout layers Keras has, by the `kind` they get.
    static let dropoutKinds = [
        "Dropout": "dropout", "SpatialDropout2D": "spatial_dropout2d", "AlphaDropout": "alpha_dropout",
        "GaussianDropout": "gaussian_dropout", "GaussianNoise": "gaussian_noise",
    ]

    /// The config key a training attribute comes from. The depthwise convolutions call their kernels' settings
    /// `depthwise_initializer`, `pointwise_initializer`, ...: kept under the weights' names (`kernel_initializer` of a
    /// DepthwiseConv2D, `depthwise_kernel_initializer` of a SeparableConv2D).
    private static func configKey(of key: String, op: Op) -> String {
        if op == .depthwiseConv2d, key.hasPrefix("kernel_") { return "depthwise_" + key.dropFirst("kernel_".count) }
        for stage in ["depthwise_", "pointwise_"] where key.hasPrefix(stage + "kernel_") {
            return stage + key.dropFirst((stage + "kernel_").count)
        }
        return key
    }

    static func attributes(of op: Op, className: String, config: [String: Any]) -> [String: AttributeValue] {
        var attributes: [String: AttributeValue]
        switch op {
        case .conv2d, .depthwiseConv2d, .dense: attributes = TrainingAttributes.weightedLayerDefaults
        case .separableConv2d: attributes = TrainingAttributes.separableDefaults
        case .batchNorm: attributes = TrainingAttributes.batchNormDefaults
        case .layerNorm: attributes = TrainingAttributes.layerNormDefaults
        case .dropout: attributes = ["kind": .string(dropoutKinds[className] ?? "dropout")]
        default: return [:]
        }
        for key in TrainingAttributes.keys(of: op) where key != "kind" {
            guard let value = config[configKey(of: key, op: op)], !(value is NSNull) else { continue }
            if key.hasSuffix("_initializer") || key.hasSuffix("_regularizer") || key.hasSuffix("_constraint") {
                attributes[key] = kerasObject(value)
            } else if key == "noise_shape", let sizes = value as? [Any] {
                attributes[key] = .ints(sizes.map { ($0 as? NSNumber)?.intValue ?? -1 })
            } else if let number = value as? NSNumber, !isBool(number) {
                attributes[key] = key == "seed" ? .int(number.intValue) : .double(exactDouble(number))
            }
        }
        return attributes
    }

    /// A serialised initialiser, regulariser or constraint: its class and the scalar parts of its config,
    /// integers and floats as written (nulls, such as an unset seed, are left out). A bare name
    /// (`"glorot_uniform"`) becomes its class.
    static func kerasObject(_ value: Any) -> AttributeValue {
        if let name = value as? String { return TrainingAttributes.kerasObject(className(ofAlias: name)) }
        let object = value as? [String: Any] ?? [:]
        let className = object["class_name"] as? String ?? "unknown"
        let factors = TrainingAttributes.knownRegularizers[className] ?? []
        var config: [String: AttributeValue] = [:]
        for (key, field) in object["config"] as? [String: Any] ?? [:] {
            switch field {
            case let number as NSNumber where isBool(number): config[key] = .bool(number.boolValue)
            case let number as NSNumber where !isFloatingPoint(number): config[key] = .int(number.intValue)
            case let number as NSNumber:
                let value = exactDouble(number)
                config[key] = .double(factors.contains(key) ? TrainingAttributes.regularizerFactor(value) : value)
            case let string as String: config[key] = .string(string)
            case let list as [Any]:
                let ints = list.compactMap { ($0 as? NSNumber).flatMap { isBool($0) ? nil : $0.intValue } }
                if ints.count == list.count { config[key] = .ints(ints) }
            default: continue
            }
        }
        return TrainingAttributes.kerasObject(className, config)
    }

    /// Keras' aliases name their classes in snake case: `he_normal` is `HeNormal`, `l1_l2` is `L1L2`.
    static func className(ofAlias alias: String) -> String {
        alias.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// The double a JSON number's text denotes. JSONSerialization (swift-corelibs-foundation) keeps the text but its
    /// `doubleValue` can be an ulp off it (`0.00392156862745098`, Python's 1/255, reads as 0.0039215686274509795);
    /// Swift's `Double(String)` rounds correctly, so Keras' doubles arrive as Python wrote them.
    static func exactDouble(_ number: NSNumber) -> Double { Double(number.stringValue) ?? number.doubleValue }

    /// JSON booleans also arrive as NSNumber; their Objective-C type code is "c".
    static func isBool(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }

    /// A JSON number written with a fraction or an exponent (Python writes every float so: `2.0`).
    private static func isFloatingPoint(_ number: NSNumber) -> Bool { ["d", "f"].contains(String(cString: number.objCType)) }
}

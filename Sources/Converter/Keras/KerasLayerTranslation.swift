import Foundation

/// One Keras layer config → a Zoo op and its attributes: those that matter at inference
/// (docs/keras-numerics.md §1-5), then those training reads (`KerasTrainingTranslation`).
/// Anything whose meaning at inference would be lost is refused with the reason.
enum KerasLayerTranslation {
    struct Refusal: Error { let reason: String }

    static let supportedClasses = [
        "InputLayer", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Dense", "BatchNormalization", "MaxPooling2D", "AveragePooling2D",
        "GlobalAveragePooling2D", "GlobalMaxPooling2D", "ZeroPadding2D", "Cropping2D", "CenterCrop", "UpSampling2D", "Resizing",
        "Add", "Subtract", "Multiply", "Maximum", "Average", "Concatenate", "Flatten", "Reshape", "Permute", "Dropout",
        "SpatialDropout2D", "AlphaDropout", "GaussianDropout", "GaussianNoise", "Activation", "ReLU", "LeakyReLU", "ELU",
        "Softmax", "LayerNormalization", "Normalization", "Rescaling", "Lambda (RescaleGAP)", "Functional", "Sequential",
    ]

    /// The interpolations of Keras' `Resizing` that Zoo computes as TensorFlow does (not bicubic, area, lanczos3, lanczos5, nor
    /// tf-keras' gaussian and mitchellcubic).
    static let resizingInterpolations = ["bilinear", "nearest"]

    /// Python Lambdas Zoo translates, by layer name: their bytecode cannot be read outside CPython.
    static let translatedLambdas: [String: (op: Op, meaning: String)] = ["RescaleGAP": (.divide, "x[0] / x[1]")]

    static func translate(className: String, name: String, config: [String: Any]) throws -> (Op, [String: AttributeValue]) {
        let (op, attributes) = try inference(className: className, name: name, config: config)
        let training = KerasTrainingTranslation.attributes(of: op, className: className, config: config)
        return (op, attributes.merging(training) { inference, _ in inference })
    }

    private static func inference(className: String, name: String, config: [String: Any]) throws -> (Op, [String: AttributeValue]) {
        switch className {
        case "Conv2D", "Convolution2D":
            var attributes = try convolutionWindow(config)
            attributes["filters"] = .int(try require(int(config["filters"]), "filters"))
            // Kept only when grouped, so an ungrouped layer's graph is what it was before groups ran.
            if let groups = int(config["groups"]), groups != 1 { attributes["groups"] = .int(groups) }
            try activation(config["activation"], into: &attributes)
            return (.conv2d, attributes)

        case "DepthwiseConv2D":
            var attributes = try convolutionWindow(config)
            attributes["depth_multiplier"] = .int(int(config["depth_multiplier"]) ?? 1)
            try activation(config["activation"], into: &attributes)
            return (.depthwiseConv2d, attributes)

        case "SeparableConv2D", "SeparableConvolution2D":
            var attributes = try convolutionWindow(config)
            attributes["filters"] = .int(try require(int(config["filters"]), "filters"))
            attributes["depth_multiplier"] = .int(int(config["depth_multiplier"]) ?? 1)
            try activation(config["activation"], into: &attributes)
            return (.separableConv2d, attributes)

        case "Dense":
            var attributes: [String: AttributeValue] = [
                "units": .int(try require(int(config["units"]), "units")),
                "use_bias": .bool(config["use_bias"] as? Bool ?? true),
            ]
            try activation(config["activation"], into: &attributes)
            return (.dense, attributes)

        case "BatchNormalization":
            // The axis counts the batch axis; whether it is the channel axis is checked once the
            // input rank is known (ShapeInference).
            let axis = (config["axis"] as? [Any])?.first ?? config["axis"] ?? -1
            guard let axisValue = int(axis) else { throw Refusal(reason: "normalises over axis \(axis), which is not readable") }
            return (.batchNorm, [
                "epsilon": .double(try require(double(config["epsilon"]), "epsilon")),
                "center": .bool(config["center"] as? Bool ?? true),
                "scale": .bool(config["scale"] as? Bool ?? true),
                "axis": .int(axisValue),
            ])

        case "LayerNormalization":
            // One axis, kept as Keras counts it (Keras 3 writes [-1], tf-keras the positive [3]); whether it is the last
            // is checked once the input rank is known (ShapeInference).
            let axes = try axes(config["axis"] ?? -1)
            guard axes.count == 1 else { throw Refusal(reason: "normalises over axes \(axes); only the last axis is supported") }
            if config["rms_scaling"] as? Bool ?? false {
                throw Refusal(reason: "rms_scaling=True (deprecated in Keras 3: it scales by the variance) is not supported")
            }
            return (.layerNorm, [
                "epsilon": .double(double(config["epsilon"]) ?? 1e-3),
                "center": .bool(config["center"] as? Bool ?? true),
                "scale": .bool(config["scale"] as? Bool ?? true),
                "axis": .int(axes[0]),
            ])

        case "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D":
            let size = try pair(config["pool_size"] ?? [2, 2], "pool_size")
            let strides = config["strides"].flatMap { $0 is NSNull ? nil : $0 }.map { try? pair($0, "strides") } ?? size
            return (className.hasPrefix("Max") ? .maxPool2d : .avgPool2d,
                    ["pool_size": .ints(size), "strides": .ints(strides ?? size), "padding": .string(try padding(config))])

        case "GlobalAveragePooling2D", "GlobalAvgPool2D", "GlobalMaxPooling2D", "GlobalMaxPool2D":
            return (className.contains("Max") ? .globalMaxPool2d : .globalAvgPool2d,
                    ["keepdims": .bool(config["keepdims"] as? Bool ?? false)])

        case "ZeroPadding2D":
            return (.zeroPad2d, ["padding": .ints(try margins(config["padding"], "padding"))])
        case "Cropping2D":
            return (.cropping2d, ["cropping": .ints(try margins(config["cropping"] ?? [[0, 0], [0, 0]], "cropping"))])
        case "CenterCrop":
            return (.centerCrop, ["height": .int(try require(int(config["height"]), "height")),
                                  "width": .int(try require(int(config["width"]), "width"))])
        case "UpSampling2D":
            let interpolation = (config["interpolation"] as? String ?? "nearest").lowercased()
            guard ["nearest", "bilinear"].contains(interpolation) else {
                throw Refusal(reason: "interpolation '\(interpolation)' is not supported (supported: nearest, bilinear)")
            }
            return (.upSampling2d, ["size": .ints(try pair(config["size"] ?? [2, 2], "size")), "interpolation": .string(interpolation)])
        case "Resizing":
            let interpolation = (config["interpolation"] as? String ?? "bilinear").lowercased()
            guard resizingInterpolations.contains(interpolation) else {
                throw Refusal(reason: "interpolation '\(interpolation)' is not supported (supported: \(resizingInterpolations.joined(separator: ", ")))")
            }
            if config["pad_to_aspect_ratio"] as? Bool ?? false {
                throw Refusal(reason: "pad_to_aspect_ratio=True is not supported (crop_to_aspect_ratio is)")
            }
            if config["antialias"] as? Bool ?? false {
                throw Refusal(reason: "antialias=True (TensorFlow's scale-and-translate resize) is not supported")
            }
            return (.resizing, ["height": .int(try require(int(config["height"]), "height")),
                                "width": .int(try require(int(config["width"]), "width")),
                                "interpolation": .string(interpolation),
                                "crop_to_aspect_ratio": .bool(config["crop_to_aspect_ratio"] as? Bool ?? false)])

        case "Add": return (.add, [:])
        case "Subtract": return (.subtract, [:])
        case "Multiply": return (.multiply, [:])
        case "Maximum": return (.maximum, [:])
        case "Average": return (.average, [:])
        case "Concatenate": return (.concatenate, ["axis": .int(int(config["axis"]) ?? -1)])
        case "Flatten": return (.flatten, [:])
        case "Reshape":
            let parts = config["target_shape"] as? [Any] ?? [], sizes = parts.compactMap(int)
            guard !sizes.isEmpty, sizes.count == parts.count else { throw Refusal(reason: "'target_shape' is not a list of integers") }
            return (.reshape, ["target_shape": .ints(sizes)])
        case "Permute":
            let parts = config["dims"] as? [Any] ?? [], dims = parts.compactMap(int)
            guard !dims.isEmpty, dims.count == parts.count else { throw Refusal(reason: "'dims' is not a list of integers") }
            guard dims.sorted() == Array(1...dims.count) else { throw Refusal(reason: "'dims' \(dims) is not a permutation of 1...\(dims.count)") }
            return (.permute, ["dims": .ints(dims)])
        case _ where KerasTrainingTranslation.dropoutKinds[className] != nil:
            return (.dropout, [:])     // the identity at inference; its kind and rate are for training

        case "Activation":
            var attributes: [String: AttributeValue] = [:]
            try activation(config["activation"], into: &attributes)
            return (.activation, attributes)
        case "ReLU":
            // Keras' general ReLU: max_value above, slope * (x - threshold) below the threshold.
            var attributes: [String: AttributeValue] = ["activation": .string("relu")]
            if let maxValue = double(config["max_value"]) { attributes["max_value"] = .double(maxValue) }
            if let slope = double(config["negative_slope"]), slope != 0 { attributes["alpha"] = .double(slope) }
            if let threshold = double(config["threshold"]), threshold != 0 { attributes["threshold"] = .double(threshold) }
            return (.activation, attributes)
        case "LeakyReLU":
            // tf-keras calls the slope `alpha`, Keras 3 `negative_slope`.
            let slope = double(config["negative_slope"]) ?? double(config["alpha"]) ?? 0.3
            return (.activation, ["activation": .string("leaky_relu"), "alpha": .double(slope)])
        case "ELU":
            return (.activation, ["activation": .string("elu"), "alpha": .double(double(config["alpha"]) ?? 1)])
        case "Softmax":
            let axis = (config["axis"] as? [Any])?.first ?? config["axis"] ?? -1
            guard int(axis) == -1 else { throw Refusal(reason: "softmax over axis \(axis) is not supported (only -1)") }
            return (.activation, ["activation": .string("softmax")])

        case "Normalization":
            // The axes keep Keras' count (batch axis included; none = one mean and variance for every value); which
            // of them run is checked once the input's rank is known (ShapeInference).
            var attributes: [String: AttributeValue] = [
                "axis": .ints(try axes(config["axis"] ?? -1)),
                "invert": .bool(config["invert"] as? Bool ?? false),
            ]
            let mean = try numbers(config["mean"], "mean"), variance = try numbers(config["variance"], "variance")
            guard (mean == nil) == (variance == nil) else { throw Refusal(reason: "gives 'mean' or 'variance' without the other") }
            if let mean, let variance {
                guard mean.count == variance.count else {
                    throw Refusal(reason: "gives \(mean.count) mean values and \(variance.count) variance values")
                }
                attributes["mean"] = .doubles(mean)
                attributes["variance"] = .doubles(variance)
            }
            return (.normalization, attributes)

        case "Rescaling":
            let scale = try require(numbers(config["scale"], "scale"), "scale")
            return (.rescaling, ["scale": .doubles(scale), "offset": .doubles(try numbers(config["offset"], "offset") ?? [0])])

        case "Lambda":
            guard let known = translatedLambdas[name] else {
                throw Refusal(reason: "holds Python bytecode that Zoo cannot translate; known Lambdas: "
                              + translatedLambdas.map { "\($0.key) (\($0.value.meaning))" }.joined(separator: ", "))
            }
            return (known.op, [:])
        case "TFOpLambda", "SlicingOpLambda":
            throw Refusal(reason: "wraps the TensorFlow op '\(config["function"] ?? "?")', which Zoo cannot translate")
        default:
            throw Refusal(reason: "layer class \(className) is not supported (supported: \(supportedClasses.joined(separator: ", ")))")
        }
    }

    /// Activation names as Keras serialises them: a string, or (Keras 3) a serialised object. `swish` and
    /// `hard_swish` are Keras' aliases of `silu` and `hard_silu` (tf-keras writes `swish`); `gelu` is the exact form,
    /// the only one a config can name; `hard_sigmoid` is read as Keras 3 defines it (docs/keras-numerics.md §5).
    static let activations = ["linear", "relu", "sigmoid", "softmax", "elu", "leaky_relu", "tanh", "relu6", "silu", "swish",
                              "hard_sigmoid", "hard_silu", "hard_swish", "gelu", "selu", "softplus"]

    private static func activation(_ value: Any?, into attributes: inout [String: AttributeValue]) throws {
        var name = "linear"
        if let string = value as? String { name = string }
        else if let object = value as? [String: Any] {
            let className = object["class_name"] as? String ?? "?"
            let config = object["config"] as? [String: Any] ?? [:]
            switch className {
            case "LeakyReLU":
                name = "leaky_relu"
                attributes["alpha"] = .double(double(config["negative_slope"]) ?? double(config["alpha"]) ?? 0.3)
            case "function", "__function__":
                name = config["name"] as? String ?? (object["config"] as? String) ?? "?"
            default:
                throw Refusal(reason: "activation \(className) is not supported")
            }
        } else if value != nil && !(value is NSNull) {
            throw Refusal(reason: "activation \(value!) is not readable")
        }
        if name == "elu" && attributes["alpha"] == nil { attributes["alpha"] = .double(1) }
        if name == "leaky_relu" && attributes["alpha"] == nil { attributes["alpha"] = .double(0.2) }
        guard activations.contains(name) else {
            throw Refusal(reason: "activation '\(name)' is not supported (supported: \(activations.joined(separator: ", ")))")
        }
        attributes["activation"] = .string(name)
    }

    /// The window attributes the convolutions share: kernel size, strides, padding, dilation and bias.
    private static func convolutionWindow(_ config: [String: Any]) throws -> [String: AttributeValue] {
        [
            "kernel_size": .ints(try pair(config["kernel_size"], "kernel_size")),
            "strides": .ints(try pair(config["strides"] ?? [1, 1], "strides")),
            "padding": .string(try padding(config)),
            "dilation_rate": .ints(try pair(config["dilation_rate"] ?? [1, 1], "dilation_rate")),
            "use_bias": .bool(config["use_bias"] as? Bool ?? true),
        ]
    }

    private static func padding(_ config: [String: Any]) throws -> String {
        let value = (config["padding"] as? String ?? "valid").lowercased()
        guard value == "same" || value == "valid" else { throw Refusal(reason: "padding '\(value)' is not supported") }
        return value
    }

    /// ZeroPadding2D's `padding` and Cropping2D's `cropping` (`key`): an int, or a pair for the rows and the columns,
    /// each an int (the same on both sides) or a pair, as ((top, bottom), (left, right)); as [top, bottom, left, right].
    private static func margins(_ value: Any?, _ key: String) throws -> [Int] {
        if let single = int(value) { return [single, single, single, single] }
        guard let parts = value as? [Any], parts.count == 2 else { throw Refusal(reason: "unreadable \(key) \(value ?? "none")") }
        return try parts.flatMap { part -> [Int] in
            if let both = int(part) { return [both, both] }
            guard let sides = part as? [Any], sides.count == 2, let first = int(sides[0]), let second = int(sides[1]) else {
                throw Refusal(reason: "unreadable \(key) \(value!)")
            }
            return [first, second]
        }
    }

    /// Normalization's and LayerNormalization's `axis`: an int, a list of ints, or None (no axis kept).
    private static func axes(_ value: Any) throws -> [Int] {
        if value is NSNull { return [] }
        if let single = int(value) { return [single] }
        let parts = value as? [Any] ?? [value], axes = parts.compactMap(int)
        guard value is [Any], axes.count == parts.count else {
            throw Refusal(reason: "'axis' \(value) is not an integer, a list of integers or None")
        }
        return axes
    }

    /// A preprocessing layer's values: a number, a flat list of numbers, or (Keras 3) a serialised NumPy array
    /// (`{"class_name": "__numpy__", "config": {"value": ...}}`); nil when absent or None.
    private static func numbers(_ value: Any?, _ key: String) throws -> [Double]? {
        guard let value, !(value is NSNull) else { return nil }
        if let object = value as? [String: Any], object["class_name"] as? String == "__numpy__",
           let config = object["config"] as? [String: Any] {
            return try numbers(config["value"], key)
        }
        let parts = value as? [Any] ?? [value], values = parts.compactMap(double)
        guard !values.isEmpty, values.count == parts.count, values.allSatisfy(\.isFinite) else {
            throw Refusal(reason: "'\(key)' is not a finite number or a flat list of them")
        }
        return values
    }

    private static func pair(_ value: Any?, _ key: String) throws -> [Int] {
        if let single = int(value) { return [single, single] }
        guard let parts = value as? [Any], parts.count == 2, let a = int(parts[0]), let b = int(parts[1]) else {
            throw Refusal(reason: "'\(key)' is not a pair of integers")
        }
        return [a, b]
    }

    private static func require<T>(_ value: T?, _ key: String) throws -> T {
        guard let value else { throw Refusal(reason: "config has no '\(key)'") }
        return value
    }

    private static func int(_ value: Any?) -> Int? {
        guard let number = value as? NSNumber, !KerasTrainingTranslation.isBool(number) else { return nil }
        return number.intValue
    }

    private static func double(_ value: Any?) -> Double? {
        guard let number = value as? NSNumber, !KerasTrainingTranslation.isBool(number) else { return nil }
        return KerasTrainingTranslation.exactDouble(number)
    }
}

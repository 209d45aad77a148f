/// Output shapes and weight shapes of each op, as Keras computes them (NHWC, batch axis left out,
/// nil for a size not known until run time).
///
/// Attribute keys per op that inference reads (the contract for everything that runs a graph; the
/// keys only training reads are listed on `Op`):
/// - `input`: `shape` (ints, -1 = any)
/// - `conv2d`: `filters`, `kernel_size` [h, w], `strides` [h, w], `padding` "same"|"valid",
///   `dilation_rate` [h, w], `use_bias`, `activation` (+ `alpha` for elu/leaky_relu), optional `groups` (dividing both
///   the input channels and `filters`)
/// - `depthwise_conv2d`: `depth_multiplier`, `kernel_size`, `strides`, `padding`, `dilation_rate`, `use_bias`,
///   `activation` (+ `alpha`), as `conv2d`
/// - `separable_conv2d`: `filters`, `depth_multiplier` and the rest of `conv2d`'s
/// - `dense`: `units`, `use_bias`, `activation` (+ `alpha`)
/// - `batch_norm`: `epsilon`, `center`, `scale`, optional `axis` (Keras' own; always the last axis)
/// - `max_pool2d`, `avg_pool2d`: `pool_size` [h, w], `strides` [h, w], `padding`
/// - `global_avg_pool2d`, `global_max_pool2d`: `keepdims`
/// - `layer_norm`: `epsilon`, `center`, `scale`, `axis` (Keras' own; only the last axis)
/// - `zero_pad2d`: `padding` [top, bottom, left, right]
/// - `cropping2d`: `cropping` [top, bottom, left, right]
/// - `center_crop`: `height`, `width`
/// - `up_sampling2d`: `size` [h, w], `interpolation` "nearest"|"bilinear"
/// - `permute`: `dims` (a permutation of 1...n for an input of rank n, batch axis left out)
/// - `resizing`: `height`, `width`, `interpolation` "bilinear"|"nearest", `crop_to_aspect_ratio`
/// - `concatenate`: `axis` (negative counts from the end, batch axis included as in Keras)
/// - `dropout`: none (the identity at inference; `kind`, `rate`, `stddev` are for training, see `Op`)
/// - `activation`: `activation` (relu, sigmoid, softmax, elu, leaky_relu, tanh, linear, relu6, silu, hard_sigmoid,
///   hard_silu, gelu, selu, softplus) + `alpha`;
///   relu may also carry Keras ReLU's `max_value`, `threshold` and `alpha` (its negative slope)
/// - `normalization`: `axis` (ints, Keras' count; [] = one value for all, else only the last axis), `invert`; the
///   constructor's `mean` and `variance` (doubles, one or one per channel) when given, else the weights
///   `mean`, `variance` and `count` that `adapt()` set
/// - `rescaling`: `scale`, `offset` (doubles, one or one per channel)
/// - `reshape`: `target_shape` (ints without the batch axis; one -1 inferred)
/// - `add`, `subtract`, `multiply`, `maximum`, `average`, `divide`, `flatten`: none
///
/// A config comes from a file a stranger may have written, so every size it declares (dimension, filter
/// and unit count, window, stride, dilation, padding) is bounded by `maximumSize` and every weight by
/// `maximumWeightElements`: a hostile value is refused by name here, before any arithmetic could
/// overflow or any buffer be sized from it.
enum ShapeInference {
    typealias Shape = [Int?]

    /// Far above any real layer (VGG16's widest is 25088 inputs to 4096 units).
    static let maximumSize = 1 << 24
    /// 16 G elements (64 GB as float32): larger than any checkpoint Zoo could convert.
    static let maximumWeightElements = 1 << 34

    static func infer(_ op: Op, _ attributes: [String: AttributeValue], inputShapes: [Shape],
                      layer: String) throws -> (output: Shape, weights: [WeightSpec]) {
        let result = try shapes(op, attributes, inputShapes: inputShapes, layer: layer)
        for weight in result.weights {
            guard let count = elementCount(of: weight.shape), count <= maximumWeightElements else {
                throw GraphBuilder.Failure.layer(layer, "weight '\(weight.name)' of shape \(describe(weight.shape)) has more than "
                                                 + "\(maximumWeightElements) elements")
            }
        }
        return result
    }

    private static func shapes(_ op: Op, _ attributes: [String: AttributeValue], inputShapes: [Shape],
                               layer: String) throws -> (output: Shape, weights: [WeightSpec]) {
        func fail(_ problem: String) -> GraphBuilder.Failure { .layer(layer, problem) }
        func bounded(_ value: Int, _ what: String, minimum: Int) throws -> Int {
            guard (minimum...maximumSize).contains(value) else {
                throw fail("\(what) \(value) is outside \(minimum)...\(maximumSize)")
            }
            return value
        }
        func int(_ key: String) throws -> Int {
            guard let value = attributes[key]?.intValue else { throw fail("missing integer attribute '\(key)'") }
            return try bounded(value, "'\(key)'", minimum: 1)
        }
        func pair(_ key: String) throws -> (Int, Int) {
            guard let value = attributes[key]?.intsValue, value.count == 2 else { throw fail("missing pair attribute '\(key)'") }
            return (try bounded(value[0], "'\(key)'", minimum: 1), try bounded(value[1], "'\(key)'", minimum: 1))
        }
        func bool(_ key: String, default fallback: Bool) -> Bool { attributes[key]?.boolValue ?? fallback }
        func single() throws -> Shape {
            guard inputShapes.count == 1 else { throw fail("takes one input, got \(inputShapes.count)") }
            return inputShapes[0]
        }
        func image() throws -> (h: Int?, w: Int?, c: Int?) {
            let shape = try single()
            guard shape.count == 3 else { throw fail("needs an image input (height, width, channels), got rank \(shape.count)") }
            return (shape[0], shape[1], shape[2])
        }
        func padding() throws -> Bool {
            switch attributes["padding"]?.stringValue {
            case "same": return true
            case "valid": return false
            case let other: throw fail("padding '\(other ?? "none")' is neither 'same' nor 'valid'")
            }
        }
        func windowed(_ size: Int?, kernel: Int, stride: Int, dilation: Int = 1, same: Bool) -> Int? {
            guard let size else { return nil }
            if same { return (size + stride - 1) / stride }
            let span = (kernel - 1) * dilation + 1
            return size >= span ? (size - span) / stride + 1 : 0
        }
        /// The rows and columns a convolution's window (`kernel_size`, `strides`, `dilation_rate`, `padding`) makes.
        func convolved(_ h: Int?, _ w: Int?) throws -> Shape {
            let (kh, kw) = try pair("kernel_size"), (sh, sw) = try pair("strides")
            let (dh, dw) = (try? pair("dilation_rate")) ?? (1, 1)
            let same = try padding()
            return [windowed(h, kernel: kh, stride: sh, dilation: dh, same: same), windowed(w, kernel: kw, stride: sw, dilation: dw, same: same)]
        }
        func known(_ value: Int?, _ what: String) throws -> Int {
            guard let value else { throw fail("\(what) must be known to size the weights") }
            return value
        }

        switch op {
        case .input:
            guard let shape = attributes["shape"]?.intsValue else { throw fail("missing 'shape'") }
            return (try shape.map { $0 < 0 ? nil : try bounded($0, "input dimension", minimum: 0) }, [])

        case .conv2d:
            let (h, w, c) = try image()
            let filters = try int("filters"), (kh, kw) = try pair("kernel_size")
            let channels = try known(c, "input channels"), groups = attributes["groups"] == nil ? 1 : try int("groups")
            guard channels % groups == 0, filters % groups == 0 else {
                throw fail("its \(channels) input channels and \(filters) filters do not both split into \(groups) groups, as Keras requires")
            }
            let output: Shape = try convolved(h, w) + [filters]
            var weights = [WeightSpec(name: "kernel", shape: [kh, kw, channels / groups, filters])]
            if bool("use_bias", default: true) { weights.append(WeightSpec(name: "bias", shape: [filters])) }
            return (output, weights)

        case .depthwiseConv2d:
            let (h, w, c) = try image()
            let multiplier = try int("depth_multiplier"), (kh, kw) = try pair("kernel_size")
            let channels = try known(c, "input channels")
            let outputChannels = try bounded(channels * multiplier, "output channels (input channels x depth_multiplier)", minimum: 1)
            let output: Shape = try convolved(h, w) + [outputChannels]
            var weights = [WeightSpec(name: "kernel", shape: [kh, kw, channels, multiplier])]
            if bool("use_bias", default: true) { weights.append(WeightSpec(name: "bias", shape: [outputChannels])) }
            return (output, weights)

        case .separableConv2d:
            let (h, w, c) = try image()
            let filters = try int("filters"), multiplier = try int("depth_multiplier"), (kh, kw) = try pair("kernel_size")
            let channels = try known(c, "input channels")
            let middle = try bounded(channels * multiplier, "depthwise channels (input channels x depth_multiplier)", minimum: 1)
            let output: Shape = try convolved(h, w) + [filters]
            var weights = [WeightSpec(name: "depthwise_kernel", shape: [kh, kw, channels, multiplier]),
                           WeightSpec(name: "pointwise_kernel", shape: [1, 1, middle, filters])]
            if bool("use_bias", default: true) { weights.append(WeightSpec(name: "bias", shape: [filters])) }
            return (output, weights)

        case .dense:
            let shape = try single()
            guard let last = shape.last else { throw fail("needs an input of rank 1 or more") }
            let units = try int("units")
            var weights = [WeightSpec(name: "kernel", shape: [try known(last, "the input size"), units])]
            if bool("use_bias", default: true) { weights.append(WeightSpec(name: "bias", shape: [units])) }
            return (Array(shape.dropLast()) + [units], weights)

        case .batchNorm:
            let shape = try single()
            if let axis = attributes["axis"]?.intValue, axis != -1, axis != shape.count {
                throw fail("normalises over axis \(axis); only the last (channel) axis is supported")
            }
            let channels = try known(shape.last ?? nil, "the channel count")
            let names = (bool("scale", default: true) ? ["gamma"] : []) + (bool("center", default: true) ? ["beta"] : [])
                + ["moving_mean", "moving_variance"]
            return (shape, names.map { WeightSpec(name: $0, shape: [channels]) })

        case .layerNorm:
            let shape = try single()
            guard let axis = attributes["axis"]?.intValue, axis == -1 || axis == shape.count else {
                throw fail("normalises over axis \(attributes["axis"]?.description ?? "none"); only the last axis is supported")
            }
            let channels = try known(shape.last ?? nil, "the size of the last axis")
            let names = (bool("scale", default: true) ? ["gamma"] : []) + (bool("center", default: true) ? ["beta"] : [])
            return (shape, names.map { WeightSpec(name: $0, shape: [channels]) })

        case .maxPool2d, .avgPool2d:
            let (h, w, c) = try image()
            let (ph, pw) = try pair("pool_size"), (sh, sw) = try pair("strides")
            let same = try padding()
            return ([windowed(h, kernel: ph, stride: sh, same: same), windowed(w, kernel: pw, stride: sw, same: same), c], [])

        case .globalAvgPool2d, .globalMaxPool2d:
            let (_, _, c) = try image()
            return (bool("keepdims", default: false) ? [1, 1, c] : [c], [])

        case .zeroPad2d:
            let (h, w, c) = try image()
            guard let pads = attributes["padding"]?.intsValue, pads.count == 4 else { throw fail("missing 'padding'") }
            for pad in pads { _ = try bounded(pad, "'padding'", minimum: 0) }
            return ([h.map { $0 + pads[0] + pads[1] }, w.map { $0 + pads[2] + pads[3] }, c], [])

        case .cropping2d:
            let (h, w, c) = try image()
            guard let crops = attributes["cropping"]?.intsValue, crops.count == 4 else { throw fail("missing 'cropping'") }
            for crop in crops { _ = try bounded(crop, "'cropping'", minimum: 0) }
            for (size, removed, what) in [(h, crops[0] + crops[1], "rows"), (w, crops[2] + crops[3], "columns")] {
                if let size, removed >= size { throw fail("crops \(removed) of the input's \(size) \(what); Keras needs fewer than the input has") }
            }
            return ([h.map { $0 - crops[0] - crops[1] }, w.map { $0 - crops[2] - crops[3] }, c], [])

        case .centerCrop:
            let (_, _, c) = try image()
            return ([try int("height"), try int("width"), c], [])

        case .upSampling2d:
            let (h, w, c) = try image()
            let (fh, fw) = try pair("size")
            guard let interpolation = attributes["interpolation"]?.stringValue, ["nearest", "bilinear"].contains(interpolation) else {
                throw fail("interpolation '\(attributes["interpolation"]?.description ?? "none")' is neither 'nearest' nor 'bilinear'")
            }
            return ([try h.map { try bounded($0 * fh, "output height", minimum: 0) }, try w.map { try bounded($0 * fw, "output width", minimum: 0) }, c], [])

        case .resizing:
            let (_, _, c) = try image()
            guard let interpolation = attributes["interpolation"]?.stringValue, ["bilinear", "nearest"].contains(interpolation) else {
                throw fail("interpolation '\(attributes["interpolation"]?.description ?? "none")' is neither 'bilinear' nor 'nearest'")
            }
            return ([try int("height"), try int("width"), c], [])

        case .permute:
            let shape = try single()
            guard let dims = attributes["dims"]?.intsValue, !shape.isEmpty, dims.sorted() == Array(1...shape.count) else {
                throw fail("'dims' \(attributes["dims"]?.description ?? "none") is not a permutation of the axes of \(describe(shape))")
            }
            return (dims.map { shape[$0 - 1] }, [])

        case .add, .subtract, .multiply, .maximum, .average, .divide:
            guard inputShapes.count >= 2 else { throw fail("needs at least two inputs") }
            return (try inputShapes.dropFirst().reduce(inputShapes[0]) { try broadcast($0, $1, fail) }, [])

        case .concatenate:
            guard let first = inputShapes.first, inputShapes.count >= 2 else { throw fail("needs at least two inputs") }
            let rank = first.count
            var axis = attributes["axis"]?.intValue ?? -1
            axis = axis < 0 ? axis + rank : axis - 1   // Keras counts the batch axis; shapes here do not
            guard (0..<rank).contains(axis), inputShapes.allSatisfy({ $0.count == rank }) else {
                throw fail("cannot concatenate shapes \(inputShapes.map(describe)) on that axis")
            }
            var output = first
            output[axis] = inputShapes.reduce(0 as Int?) { total, shape in total.flatMap { t in shape[axis].map { t + $0 } } }
            return (output, [])

        case .flatten:
            let shape = try single()
            guard shape.allSatisfy({ $0 != nil }) else { return ([nil], []) }
            guard let size = elementCount(of: shape.map { $0! }) else { throw fail("flattens \(describe(shape)): more elements than fit in memory") }
            return ([size], [])

        case .normalization:
            let shape = try single()
            let kept = (attributes["axis"]?.intsValue ?? [-1]).map { $0 < 0 ? $0 + shape.count + 1 : $0 }
            guard kept.isEmpty || kept == [shape.count] else {
                throw fail("normalises over axes \(attributes["axis"]?.description ?? "?"); only the last (channel) axis or none "
                           + "(axis=None, one mean and variance for every value) is supported")
            }
            let channels = kept.isEmpty ? 1 : try known(shape.last ?? nil, "the channel count")
            guard let mean = attributes["mean"]?.doublesValue else {
                let statistics = kept.isEmpty ? [] : [channels]
                return (shape, [WeightSpec(name: "mean", shape: statistics), WeightSpec(name: "variance", shape: statistics),
                                WeightSpec(name: "count", shape: [])])
            }
            guard mean.count == 1 || mean.count == channels, attributes["variance"]?.doublesValue?.count == mean.count else {
                throw fail("gives \(mean.count) mean and \(attributes["variance"]?.doublesValue?.count ?? 0) variance values for \(channels) channel(s)")
            }
            return (shape, [])

        case .rescaling:
            let shape = try single()
            for key in ["scale", "offset"] {
                guard let values = attributes[key]?.doublesValue else { throw fail("missing '\(key)'") }
                guard values.count == 1 || values.count == shape.last ?? nil else {
                    throw fail("'\(key)' has \(values.count) values, neither one nor one per channel of \(describe(shape))")
                }
            }
            return (shape, [])

        case .reshape:
            let shape = try single()
            guard let target = attributes["target_shape"]?.intsValue, !target.isEmpty else { throw fail("missing 'target_shape'") }
            guard target.count(where: { $0 == -1 }) <= 1 else { throw fail("'target_shape' \(target) infers more than one size") }
            for size in target where size != -1 { _ = try bounded(size, "'target_shape' size", minimum: 1) }
            guard shape.allSatisfy({ $0 != nil }), let count = elementCount(of: shape.map { $0! }) else {
                return (target.map { $0 == -1 ? nil : $0 }, [])
            }
            let known = target.filter { $0 != -1 }.reduce(1, *)
            guard target.contains(-1) ? count % known == 0 : count == known else {
                throw fail("cannot reshape \(describe(shape)) (\(count) values) to \(target)")
            }
            return (target.map { $0 == -1 ? count / known : $0 }, [])

        case .dropout, .activation:
            return (try single(), [])
        }
    }

    /// NumPy-style broadcasting of size-1 axes, as Keras merge layers do.
    static func broadcast(_ a: Shape, _ b: Shape, _ fail: (String) -> GraphBuilder.Failure) throws -> Shape {
        guard a.count == b.count else { throw fail("cannot combine shapes \(describe(a)) and \(describe(b))") }
        return try zip(a, b).map { x, y in
            switch (x, y) {
            case (1, _): return y
            case (_, 1): return x
            case let (x?, y?) where x != y: throw fail("cannot combine shapes \(describe(a)) and \(describe(b))")
            default: return x ?? y
            }
        }
    }

    static func describe(_ shape: Shape) -> String { "(" + shape.map { $0.map(String.init) ?? "None" }.joined(separator: ", ") + ")" }
}

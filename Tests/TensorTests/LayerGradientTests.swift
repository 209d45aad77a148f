import Testing
import Tensor

/// Backward passes of the Tensor layers against TensorFlow's gradients (Tests/GoldenOutputs/training/
/// layer_gradients.py): every case's input gradient (and the activations' outputs), and BatchNormalization's and
/// LayerNormalization's gamma and beta gradients and BatchNormalization's batch statistics, within 1e-5 normalised error.
@Suite struct LayerGradientTests {
    /// Expects `actual` within `tolerance` of the reference and prints the measured normalised error.
    private func check(_ actual: Tensor, _ expected: Tensor, _ label: String, tolerance: Float = 1e-5,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        let error = expectMatches(actual, expected, label, tolerance: tolerance, sourceLocation: sourceLocation)
        print("layer gradient \(label): normalised error \(error)")
    }

    @Test func activations() throws {
        for testCase in try LayerGradientReference.cases("activation") {
            let activation = try testCase.activation()
            let x = try testCase.tensor("x0"), g = try testCase.tensor("g")
            let y = try Tensor(shape: x.shape), dx = try Tensor(shape: x.shape)
            try activation.forward(x, into: y)
            check(y, try testCase.tensor("y"), "\(testCase) y")
            // The input only where the activation says it reads it, as a fused convolution's backward pass gives it.
            let input = activation.backwardReadsInput ? x : nil
            try activation.backward(input: input, output: y, outputGradient: g, into: dx)
            check(dx, try testCase.tensor("dx0"), "\(testCase) dx")
            // In place, as the contract allows: the input gradient overwrites the output gradient.
            let shared = try g.copied()
            try activation.backward(input: input, output: y, outputGradient: shared, into: shared)
            #expect(shared.toArray() == dx.toArray(), "\(testCase): in place differs")
        }
    }

    @Test func kerasReLU() throws {
        for testCase in try LayerGradientReference.cases("keras_relu") {
            let relu = try KerasReLU(maxValue: testCase.number("max_value"), negativeSlope: testCase.number("negative_slope") ?? 0,
                                     threshold: testCase.number("threshold") ?? 0)
            let x = try testCase.tensor("x0"), dx = try Tensor(shape: x.shape)
            try relu.backward(input: x, outputGradient: testCase.tensor("g"), into: dx)
            check(dx, try testCase.tensor("dx0"), "\(testCase) dx")
        }
    }

    @Test func batchNormTraining() throws {
        for testCase in try LayerGradientReference.cases("batch_norm") {
            let x = try testCase.tensor("x0"), g = try testCase.tensor("g")
            let epsilon = try #require(testCase.number("epsilon"))
            let gamma = testCase.tensors["gamma"], channels = x.shape[x.rank - 1]
            let (mean, variance) = try BatchNorm.batchStatistics(x)
            check(try Tensor(shape: [channels], values: mean), try testCase.tensor("mean"), "\(testCase) mean", tolerance: 1e-6)
            check(try Tensor(shape: [channels], values: variance), try testCase.tensor("variance"), "\(testCase) variance", tolerance: 1e-6)
            let dx = try Tensor(shape: x.shape), dgamma = try Tensor(shape: [channels]), dbeta = try Tensor(shape: [channels])
            try BatchNorm.batchBackward(input: x, outputGradient: g, mean: mean, variance: variance, gamma: gamma, epsilon: epsilon,
                                        inputGradient: dx, gammaGradient: gamma == nil ? nil : dgamma,
                                        betaGradient: testCase.tensors["beta"] == nil ? nil : dbeta)
            check(dx, try testCase.tensor("dx0"), "\(testCase) dx")
            if gamma != nil { check(dgamma, try testCase.tensor("dgamma"), "\(testCase) dgamma") }
            if testCase.tensors["beta"] != nil { check(dbeta, try testCase.tensor("dbeta"), "\(testCase) dbeta") }
        }
    }

    /// The reference tells the correct backward from a plausible wrong one: dropping the `xhat * sum(dy * xhat)`
    /// term (the gradient through the batch variance) misses by far more than the tolerance.
    @Test func batchNormReferenceCatchesMissingVarianceTerm() throws {
        let testCase = try #require(try LayerGradientReference.cases("batch_norm").first { $0.name == "batch_norm_nhwc" })
        let x = try testCase.tensor("x0"), g = try testCase.tensor("g"), gamma = try testCase.tensor("gamma")
        let epsilon = try #require(testCase.number("epsilon")), channels = x.shape[x.rank - 1]
        let variance = try BatchNorm.batchStatistics(x).variance
        let wrong = try Tensor(shape: x.shape), rows = x.count / channels
        var sums = [Float](repeating: 0, count: channels)
        for i in 0..<x.count { sums[i % channels] += g.pointer[i] }
        for i in 0..<x.count {
            let c = i % channels, rstd = 1 / (variance[c] + epsilon).squareRoot()
            wrong.pointer[i] = gamma.pointer[c] * rstd / Float(rows) * (Float(rows) * g.pointer[i] - sums[c])
        }
        let error = normalisedError(wrong, try testCase.tensor("dx0"))
        print("layer gradient batch norm without the variance term: normalised error \(error)")
        #expect(error > 1e-2, "the reference cannot tell a batch-norm backward without the variance term (error \(error))")
    }

    @Test func batchNormInference() throws {
        for testCase in try LayerGradientReference.cases("batch_norm_inference") {
            let batchNorm = try BatchNorm(gamma: testCase.tensor("gamma"), beta: testCase.tensor("beta"),
                                          movingMean: testCase.tensor("moving_mean"), movingVariance: testCase.tensor("moving_variance"),
                                          epsilon: try #require(testCase.number("epsilon")))
            let g = try testCase.tensor("g"), dx = try Tensor(shape: g.shape)
            try batchNorm.inputGradient(g, into: dx)
            check(dx, try testCase.tensor("dx0"), "\(testCase) dx")
        }
    }

    @Test func pooling() throws {
        for testCase in try LayerGradientReference.cases("pool2d") {
            let pool2D = try Pool2D(try testCase.string("kind") == "max" ? .max : .average, poolSize: testCase.pair("pool"),
                                    strides: testCase.pair("strides"), padding: testCase.padding())
            let x = try testCase.tensor("x0"), dx = try Tensor(shape: x.shape)
            try pool2D.backward(input: x, outputGradient: testCase.tensor("g"), into: dx)
            check(dx, try testCase.tensor("dx0"), "\(testCase) dx")
        }
        for testCase in try LayerGradientReference.cases("global_pool2d") {
            let pool = GlobalPool2D(try testCase.string("kind") == "max" ? .max : .average, keepDimensions: try testCase.flag("keepdims"))
            let x = try testCase.tensor("x0"), dx = try Tensor(shape: x.shape)
            try pool.backward(input: x, outputGradient: testCase.tensor("g"), into: dx)
            check(dx, try testCase.tensor("dx0"), "\(testCase) dx")
        }
    }

    @Test func zeroPadding() throws {
        for testCase in try LayerGradientReference.cases("zero_padding2d") {
            let p = try testCase.integers("padding")
            let padding = try ZeroPadding2D(top: p[0], bottom: p[1], left: p[2], right: p[3])
            let dx = try Tensor(shape: testCase.tensor("x0").shape)
            try padding.backward(outputGradient: testCase.tensor("g"), into: dx)
            check(dx, try testCase.tensor("dx0"), "\(testCase) dx")
        }
    }

    /// Cropping2D, CenterCrop (cropped, and resized from an input smaller than its target), UpSampling2D, Resizing (bilinear
    /// and nearest, up and down, cut to the target's aspect ratio or not) and Permute: their outputs are Keras' bit for bit
    /// (copies, or TensorFlow's bilinear arithmetic), their input gradients within the tolerance.
    @Test func valueMovingLayers() throws {
        let kernels: [(kind: String, make: (LayerGradientCase) throws -> any MovesValues)] = [
            ("cropping2d", { testCase in
                let c = try testCase.integers("cropping")
                return try Cropping2D(.margins(top: c[0], bottom: c[1], left: c[2], right: c[3]))
            }),
            ("center_crop", { testCase in
                try Cropping2D(.centered(height: Int(try testCase.requiredNumber("height")), width: Int(try testCase.requiredNumber("width"))))
            }),
            ("up_sampling2d", { testCase in
                try UpSampling2D(size: testCase.pair("size"),
                                 interpolation: #require(UpSampling2D.Interpolation(rawValue: testCase.string("interpolation"))))
            }),
            ("resizing", { testCase in
                try Resizing(height: Int(try testCase.requiredNumber("height")), width: Int(try testCase.requiredNumber("width")),
                             interpolation: #require(Resizing.Interpolation(rawValue: testCase.string("interpolation"))),
                             cropToAspectRatio: testCase.flag("crop_to_aspect_ratio"))
            }),
            ("permute", { testCase in try Permute(dims: testCase.integers("dims")) }),
        ]
        for (kind, make) in kernels {
            for testCase in try LayerGradientReference.cases(kind) {
                let kernel = try make(testCase)
                let x = try testCase.tensor("x0"), dx = try Tensor(shape: x.shape)
                check(try kernel(x), try testCase.tensor("y"), "\(testCase) y", tolerance: 0)
                try kernel.backward(outputGradient: testCase.tensor("g"), into: dx)
                check(dx, try testCase.tensor("dx0"), "\(testCase) dx")
            }
        }
    }

    @Test func layerNorm() throws {
        for testCase in try LayerGradientReference.cases("layer_norm") {
            let x = try testCase.tensor("x0"), channels = x.shape[x.rank - 1]
            let gamma = testCase.tensors["gamma"], beta = testCase.tensors["beta"]
            let norm = try LayerNorm(gamma: gamma, beta: beta, epsilon: try testCase.requiredNumber("epsilon"))
            check(try norm(x), try testCase.tensor("y"), "\(testCase) y", tolerance: 1e-6)
            let dx = try Tensor(shape: x.shape), dgamma = try Tensor(shape: [channels]), dbeta = try Tensor(shape: [channels])
            try norm.backward(input: x, outputGradient: testCase.tensor("g"), inputGradient: dx, gammaGradient: gamma == nil ? nil : dgamma,
                              betaGradient: beta == nil ? nil : dbeta)
            check(dx, try testCase.tensor("dx0"), "\(testCase) dx")
            if gamma != nil { check(dgamma, try testCase.tensor("dgamma"), "\(testCase) dgamma") }
            if beta != nil { check(dbeta, try testCase.tensor("dbeta"), "\(testCase) dbeta") }
        }
    }

    @Test func merge() throws {
        let kinds: [String: Merge.Kind] = ["add": .add, "subtract": .subtract, "multiply": .multiply, "divide": .divide,
                                           "average": .average, "maximum": .maximum, "minimum": .minimum]
        for testCase in try LayerGradientReference.cases("merge") {
            let merge = Merge(try #require(kinds[try testCase.string("kind")]))
            let inputs = testCase.inputs
            for index in inputs.indices {
                let dx = try Tensor(shape: inputs[index].shape)
                try merge.backward(inputs: inputs, outputGradient: testCase.tensor("g"), input: index, into: dx)
                check(dx, try testCase.tensor("dx\(index)"), "\(testCase) dx\(index)")
            }
        }
    }

    @Test func concatenate() throws {
        for testCase in try LayerGradientReference.cases("concatenate") {
            let concatenate = Concatenate(axis: Int(try #require(testCase.number("axis"))))
            let inputs = testCase.inputs
            for index in inputs.indices {
                let dx = try Tensor(shape: inputs[index].shape)
                try concatenate.backward(outputGradient: testCase.tensor("g"), inputs: inputs, input: index, into: dx)
                check(dx, try testCase.tensor("dx\(index)"), "\(testCase) dx\(index)")
            }
        }
    }
}

/// What the value-moving kernels share: a forward pass and an input gradient that reads only the output gradient.
protocol MovesValues {
    func callAsFunction(_ input: Tensor) throws -> Tensor
    func backward(outputGradient: Tensor, into inputGradient: Tensor) throws
}

extension Cropping2D: MovesValues {}
extension UpSampling2D: MovesValues {}
extension Resizing: MovesValues {}
extension Permute: MovesValues {}

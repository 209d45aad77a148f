import Foundation
import Testing
import TestSupport

/// `zoo profile` on a Keras-written model (the narrow ResNet50 of the reference set: every kind of fused step, 64x64
/// inputs, so a run takes milliseconds): the steps cover exactly the model's layers, the FLOPs of every convolution
/// and dense layer are Keras' analytic count, and the chart and table are written whole.
@Suite struct ProfileCommandTests {
    struct Profile: Decodable {
        struct Step: Decodable { let layers: [String]; let operation: String; let flops: Int; let milliseconds: Double; let bound: String }
        struct Ceilings: Decodable { let fma_peak_gflops: Double; let memory_bandwidth_gbps: Double; let cpu_model: String }
        let steps: [Step]
        let ceilings: Ceilings
        let input_shape: [Int]
    }

    @Test func stepsCoverTheLayersAndCountKerasFLOPs() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let set = try ReferenceSet.generated()
        let checkpoint = try #require(set.keras3("narrow_resnet50"), "\(set.root.path) has no narrow_resnet50")
        let converted = directory.appendingPathComponent("narrow_resnet50.safetensors").path
        let conversion = try Converting.convert(checkpoint, arch: nil, to: converted)
        try #require(conversion.status == 0, "\(conversion.stderr)")

        let batch = 2
        let chart = directory.appendingPathComponent("profile.svg").path, table = directory.appendingPathComponent("profile.csv").path
        let result = try TestEnvironment.run(TestEnvironment.zooBinary(), ["profile", converted, "--batch", "\(batch)", "--runs", "2",
                                                                          "--warmup", "1", "--json", "--svg", chart, "--csv", table])
        try #require(result.status == 0, "\(result.stderr)")
        let profile = try JSONDecoder().decode(Profile.self, from: Data(result.stdout.utf8))
        #expect(profile.input_shape == [batch, 64, 64, 3])
        #expect(profile.ceilings.fma_peak_gflops > 0 && profile.ceilings.memory_bandwidth_gbps > 0, "\(profile.ceilings)")
        #expect(profile.steps.allSatisfy { $0.milliseconds >= 0 && ["compute", "memory"].contains($0.bound) })

        // Keras' layers (inputs aside) with 2 x kernel elements x output positions for Conv2D and Dense.
        let script = """
        import math, os, sys
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
        import keras
        model = keras.saving.load_model(sys.argv[1], compile=False)
        for layer in model.layers:
            if isinstance(layer, keras.layers.InputLayer):
                continue
            flops = 0
            if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
                positions = math.prod(layer.output.shape[1:-1]) * int(sys.argv[2])
                flops = 2 * math.prod(layer.kernel.shape) * positions
            print(layer.name, flops, sep="\\t")
        """
        let keras = try TestEnvironment.run(TestEnvironment.python(), ["-c", script, checkpoint, "\(batch)"])
        try #require(keras.status == 0, "\(keras.stderr)")
        let kerasLayers = keras.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        let profiled = profile.steps.flatMap(\.layers)
        #expect(profiled.count == Set(profiled).count, "a layer is in two steps: \(profiled)")
        #expect(Set(profiled) == Set(kerasLayers.map { $0[0] }), "steps \(profiled) vs Keras \(kerasLayers.map { $0[0] })")
        #expect(profile.steps.contains { $0.operation == "conv2d+batch_norm+add+activation" }, "no fused residual step")
        // A step's FLOPs are its layers' (one convolution or dense layer, the others folded into it: a zero padding
        // before it, a BatchNormalization, add or activation after it).
        let kerasFLOPs = Dictionary(uniqueKeysWithValues: kerasLayers.map { ($0[0], Int($0[1])!) })
        for step in profile.steps {
            let expected = step.layers.map { kerasFLOPs[$0] ?? 0 }.reduce(0, +)
            #expect(step.flops == expected, "\(step.layers): \(step.flops) FLOPs, Keras \(expected)")
        }
        #expect(profile.steps.map(\.flops).reduce(0, +) == kerasFLOPs.values.reduce(0, +))

        let svg = try String(contentsOfFile: chart, encoding: .utf8), csv = try String(contentsOfFile: table, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n") && svg.contains(profile.ceilings.cpu_model))
        #expect(csv.split(separator: "\n").count == profile.steps.count + 1)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
    }

    /// Bad options and an unwritable output fail in one line before any model is run, and write nothing.
    @Test func badInputFailsInOneLine() throws {
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = TestEnvironment.fixtures.appendingPathComponent("tiny_vgg/k3.keras").path
        let converted = directory.appendingPathComponent("tiny.safetensors").path
        try #require(try Converting.convert(model, arch: nil, to: converted).status == 0)
        let cases: [([String], String)] = [
            (["profile", converted, "--size", "64"], "--size must be HEIGHTxWIDTH"),
            (["profile", converted, "--runs", "0"], "--runs must be at least 1"),
            (["profile", converted, "--svg", directory.appendingPathComponent("missing/p.svg").path], "does not exist"),
            (["profile", model], "this is a Keras file"),
        ]
        for (arguments, message) in cases {
            let result = try TestEnvironment.run(TestEnvironment.zooBinary(), arguments)
            #expect(result.status != 0 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments) printed \(result.stdout)")
        }
    }
}

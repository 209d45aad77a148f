import Converter
import Foundation
import Tensor
import Zoo

/// A `FitState` on disk: one safetensors file (float32), its tensors under a prefix each, the rest as JSON in the
/// header's metadata under `zoo.fit_state`, beside whatever metadata the caller adds (the run it belongs to).
///
///     weights/<parameter>                   the layers that train, moving statistics included
///     optimizer/<parameter>/<slot>          Adam's momentum and velocity, ...
///     callbacks/<callback key>/<parameter>  weights a callback keeps (EarlyStopping's best)
///     zero_debias/<layer>/mean|variance     Keras 2.2's BatchNormalization accumulators
///
/// Written under a temporary name, synced and renamed (`SafetensorsWriter.finish(durable:)`): a reader finds the
/// previous whole state or the new one, even after a kill or a power loss. Numbers in the JSON are exact: doubles
/// round-trip through their shortest decimal form, the float32 learning rate is written widened to a double.
public enum FitStateFile {
    public static let metadataKey = "zoo.fit_state"

    /// The JSON part.
    struct Header: Codable {
        var history: [[String: Double]]
        var trainingBatchesTaken: Int
        var stopped: Bool
        var dropoutMasksDrawn: Int
        var zeroDebiasSteps: [String: Int]
        var optimizerIterations: Int
        var learningRate: Double
        /// Every stateful callback's values, by callback key (the key is there even when it has none).
        var callbacks: [String: [String: Double]]
    }

    public static func write(_ state: FitState, to url: URL, metadata: [String: String] = [:]) throws {
        var tensors: [(name: String, tensor: Tensor)] = []
        func add(_ prefix: String, _ named: [String: Tensor]) {
            tensors += named.sorted { $0.key < $1.key }.map { ("\(prefix)/\($0.key)", $0.value) }
        }
        add("weights", state.weights)
        add("optimizer", state.optimizer.slots)
        for (key, callback) in state.callbacks.sorted(by: { $0.key < $1.key }) { add("callbacks/\(key)", callback.weights) }
        for (layer, accumulator) in state.model.zeroDebias.sorted(by: { $0.key < $1.key }) {
            tensors.append(("zero_debias/\(layer)/mean", try Tensor(shape: [accumulator.mean.count], values: accumulator.mean)))
            tensors.append(("zero_debias/\(layer)/variance", try Tensor(shape: [accumulator.variance.count], values: accumulator.variance)))
        }
        let header = Header(history: state.history, trainingBatchesTaken: state.trainingBatchesTaken, stopped: state.stopped,
                            dropoutMasksDrawn: state.model.dropoutMasksDrawn, zeroDebiasSteps: state.model.zeroDebias.mapValues(\.step),
                            optimizerIterations: state.optimizer.iterations, learningRate: Double(state.optimizer.learningRate),
                            callbacks: state.callbacks.mapValues(\.values))
        var entries = metadata
        entries[metadataKey] = String(decoding: try encoder.encode(header), as: UTF8.self)
        var writer = try SafetensorsWriter(path: url.path, tensors: tensors.map { ($0.name, $0.tensor.shape) }, dtype: .f32,
                                           metadata: entries)
        for (_, tensor) in tensors {
            try withExtendedLifetime(tensor) { try writer.append(UnsafeBufferPointer(start: tensor.pointer, count: tensor.count)) }
        }
        try writer.finish(durable: true)
    }

    /// The state and the caller's metadata (without `zoo.fit_state` and the data hash). The values are copied out:
    /// the file may be deleted afterwards.
    public static func read(_ url: URL) throws -> (state: FitState, metadata: [String: String]) {
        let file = try SafetensorsFile(path: url.path)
        func fail(_ problem: String) -> FitError { FitError("\(url.path): \(problem)") }
        guard let json = file.metadata[metadataKey] else { throw fail("not a training state (no '\(metadataKey)' in its metadata)") }
        let header: Header
        do {
            header = try decoder.decode(Header.self, from: Data(json.utf8))
        } catch {
            throw fail("the '\(metadataKey)' metadata is not a training state: \(error)")
        }
        var groups: [String: [String: Tensor]] = [:]
        for info in file.tensors {
            guard let cut = info.name.firstIndex(of: "/") else { throw fail("tensor '\(info.name)' has no section prefix") }
            var section = String(info.name[..<cut]), name = String(info.name[info.name.index(after: cut)...])
            // A callback key has no slash, a layer name may (a nested model's): `mean` or `variance` is what follows the last.
            let inner = section == "callbacks" ? name.firstIndex(of: "/") : section == "zero_debias" ? name.lastIndex(of: "/") : nil
            if let inner {
                section += "/" + name[..<inner]
                name = String(name[name.index(after: inner)...])
            }
            groups[section, default: [:]][name] = try Tensor(shape: info.shape, values: file.floats(of: info))
        }
        let known = ["weights", "optimizer"] + header.callbacks.keys.map { "callbacks/\($0)" } + header.zeroDebiasSteps.keys.map { "zero_debias/\($0)" }
        if let unknown = Set(groups.keys).subtracting(known).sorted().first { throw fail("tensors under '\(unknown)/' belong to no part of the state") }

        var zeroDebias: [String: ZeroDebiasAccumulator] = [:]
        for (layer, step) in header.zeroDebiasSteps {
            guard let mean = groups["zero_debias/\(layer)"]?["mean"], let variance = groups["zero_debias/\(layer)"]?["variance"] else {
                throw fail("zero-debias accumulators of '\(layer)' are missing")
            }
            zeroDebias[layer] = ZeroDebiasAccumulator(mean: mean.toArray(), variance: variance.toArray(), step: step)
        }
        let state = FitState(
            history: header.history, trainingBatchesTaken: header.trainingBatchesTaken, stopped: header.stopped,
            weights: groups["weights"] ?? [:],
            model: TrainingModelState(dropoutMasksDrawn: header.dropoutMasksDrawn, zeroDebias: zeroDebias),
            optimizer: OptimizerState(iterations: header.optimizerIterations, learningRate: Float(header.learningRate),
                                      slots: groups["optimizer"] ?? [:]),
            callbacks: Dictionary(uniqueKeysWithValues: header.callbacks.map { key, values in
                (key, CallbackState(values: values, weights: groups["callbacks/\(key)"] ?? [:]))
            }))
        return (state, file.metadataToCarry.filter { $0.key != metadataKey })
    }

    /// NaN and infinities (a log of an epoch without samples) as strings: JSON has no numbers for them.
    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}

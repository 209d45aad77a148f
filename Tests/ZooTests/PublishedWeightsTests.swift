import Foundation
import Testing
import TestSupport
import Zoo

/// The published ImageNet files `zoo fetch` downloads, checked against the pinned Keras (the files themselves cannot be
/// downloaded here; FetchCommandTests serves stand-ins on loopback).
@Suite(.serialized) struct PublishedWeightsTests {
    /// Each registry entry names the file keras.applications asks `get_file` for when it builds that architecture with
    /// weights="imagenet", at the same URL and with the same MD5 (Tests/GoldenOutputs/published_weights.py). An
    /// architecture whose file Keras downloads unchecked (MobileNetV2's) lists none: `zoo fetch` has nothing to check a
    /// copy against.
    @Test func registryNamesTheFilesKerasDownloads() throws {
        struct Request: Decodable { let fname: String; let origin: String; let file_hash: String? }
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try TestEnvironment.generateReference("published_weights.py", into: directory)
        let requests = try JSONDecoder().decode([String: Request?].self,
                                                from: Data(contentsOf: directory.appendingPathComponent("published_weights.json")))
        let applications = Registry.entries.filter { !$0.name.hasPrefix("tb-") && !$0.name.hasPrefix("melanoma") }
        #expect(Set(requests.keys) == Set(applications.map(\.name)), "Keras was asked about other architectures than the registry's")
        for entry in applications {
            let request = try #require(requests[entry.name], "published_weights.json has no \(entry.name)")
            guard let request, let hash = request.file_hash else {
                #expect(entry.publishedWeights == nil, "\(entry.name): Keras checks no file for it, the registry lists one")
                continue
            }
            let published = try #require(entry.publishedWeights, "\(entry.name): Keras downloads \(request.origin), the registry lists nothing")
            #expect(published.url == request.origin, "\(entry.name)")
            #expect(published.md5 == hash, "\(entry.name)")
            #expect(published.fileName == request.fname, "\(entry.name)")
        }
    }

    /// The published files are Keras 2 `save_weights` files, which load by the order of the layers that have weights
    /// (their automatic names are not Keras 3's). A file in that layout, written by tf-keras with a distinct value in
    /// every element, converts with `--arch <name>-notop` to exactly the tensors Keras 3's own `load_weights` of it
    /// holds, for one architecture of each family of definitions (Tests/GoldenOutputs/legacy_weights.py).
    @Test func publishedLayoutConvertsAsKerasLoadsIt() throws {
        let architectures = ["resnet50", "resnet50v2", "densenet121", "mobilenetv2", "xception", "inceptionv3", "efficientnetb0"]
        let directory = try Converting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try TestEnvironment.generateReference("legacy_weights.py", into: directory, architectures)
        var pairs: [(String, String, String)] = []
        for arch in architectures {
            let output = directory.appendingPathComponent("\(arch).safetensors").path
            let conversion = try Converting.convert(directory.appendingPathComponent("\(arch)/legacy.h5").path, arch: "\(arch)-notop", to: output)
            #expect(conversion.status == 0, "\(arch): \(conversion.stderr)")
            if conversion.status == 0 { pairs.append((output, directory.appendingPathComponent("\(arch)/k3.keras").path, "f32")) }
        }
        let failures = try Converting.check(pairs: pairs, in: directory)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}
